package io.weir.broker.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Kafka's PEM key and trust store files as JSSE key stores: a key store file holds a PKCS#8
 * private key ({@code PRIVATE KEY}, or {@code ENCRYPTED PRIVATE KEY} with {@code ssl.key.password})
 * and its certificate chain; a trust store file holds certificates.
 */
final class PemStores {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    private PemStores() {
    }

    /** The key and chain of {@code file}, as one key entry protected by {@code entryPassword}. */
    static KeyStore keyStore(Path file, String keyPassword, char[] entryPassword)
            throws IOException, GeneralSecurityException {
        PrivateKey key = null;
        List<Certificate> chain = new ArrayList<>();
        Matcher m = BLOCK.matcher(Files.readString(file));
        while (m.find()) {
            byte[] der = Base64.getMimeDecoder().decode(m.group(2).trim());
            switch (m.group(1)) {
                case "PRIVATE KEY" -> key = privateKey(new PKCS8EncodedKeySpec(der));
                case "ENCRYPTED PRIVATE KEY" -> key = privateKey(decrypt(der, keyPassword, file));
                case "CERTIFICATE" -> chain.add(certificate(der));
                default -> { } // other blocks (parameters, comments) are not part of the key entry
            }
        }
        if (key == null || chain.isEmpty()) {
            throw new GeneralSecurityException(file + " must hold a PKCS#8 private key and its certificate chain");
        }
        KeyStore store = empty();
        store.setKeyEntry("key", key, entryPassword, chain.toArray(new Certificate[0]));
        return store;
    }

    /** Every certificate of {@code file} as a trusted entry. */
    static KeyStore trustStore(Path file) throws IOException, GeneralSecurityException {
        KeyStore store = empty();
        Matcher m = BLOCK.matcher(Files.readString(file));
        int n = 0;
        while (m.find()) {
            if (m.group(1).equals("CERTIFICATE")) {
                store.setCertificateEntry("ca-" + n++, certificate(Base64.getMimeDecoder().decode(m.group(2).trim())));
            }
        }
        if (n == 0) throw new GeneralSecurityException(file + " holds no certificate");
        return store;
    }

    private static KeyStore empty() throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        return store;
    }

    private static Certificate certificate(byte[] der) throws GeneralSecurityException {
        return CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }

    private static PKCS8EncodedKeySpec decrypt(byte[] der, String password, Path file) throws GeneralSecurityException, IOException {
        if (password == null) {
            throw new GeneralSecurityException("the private key in " + file + " is encrypted: ssl.key.password is needed");
        }
        EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
        SecretKeyFactory factory = SecretKeyFactory.getInstance(info.getAlgName());
        Cipher cipher = Cipher.getInstance(info.getAlgName());
        cipher.init(Cipher.DECRYPT_MODE, factory.generateSecret(new PBEKeySpec(password.toCharArray())),
                info.getAlgParameters());
        return info.getKeySpec(cipher);
    }

    /** The key of whichever algorithm parses it (Kafka tries RSA, DSA and EC too). */
    private static PrivateKey privateKey(PKCS8EncodedKeySpec spec) throws GeneralSecurityException {
        for (String algorithm : List.of("RSA", "EC", "DSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException e) {
                // not this algorithm
            }
        }
        throw new InvalidKeySpecException("the private key is not RSA, EC or DSA");
    }
}
