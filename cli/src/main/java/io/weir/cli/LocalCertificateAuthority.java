package io.weir.cli;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/**
 * The certificate authority of one local cluster ({@code cluster up --secure}): a self-signed CA
 * made once per cluster directory ({@code tls/ca.crt}, its key {@code tls/ca.key} readable by its
 * owner only), which signs each node's certificate for 127.0.0.1 and localhost. Nodes and clients
 * trust {@code ca.crt}; each node's key and chain is one PEM file, as Kafka's PEM key store type
 * reads it. Keys are EC P-256; certificates are valid for {@link #VALIDITY}.
 */
final class LocalCertificateAuthority {
    static final Duration VALIDITY = Duration.ofDays(365);
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final PrivateKey key;
    private final X509Certificate certificate;
    private final Path certificateFile;

    private LocalCertificateAuthority(PrivateKey key, X509Certificate certificate, Path certificateFile) {
        this.key = key;
        this.certificate = certificate;
        this.certificateFile = certificateFile;
    }

    /** The CA in {@code dir} ({@code ca.crt}, {@code ca.key}), made first if there is none. */
    static LocalCertificateAuthority in(Path dir, String clusterName) throws IOException {
        Path crt = dir.resolve("ca.crt");
        Path keyFile = dir.resolve("ca.key");
        try {
            if (Files.exists(crt) && Files.exists(keyFile)) {
                return new LocalCertificateAuthority(readKey(keyFile), readCertificate(crt), crt);
            }
            Files.createDirectories(dir);
            KeyPair pair = keyPair();
            X500Name name = new X500Name("CN=Weir local CA " + clusterName);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = builder(name, name, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            X509Certificate ca = sign(builder, pair.getPrivate());
            writePrivate(keyFile, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
            Files.writeString(crt, pem("CERTIFICATE", ca.getEncoded())); // public: clients need it
            return new LocalCertificateAuthority(pair.getPrivate(), ca, crt);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot make the cluster's certificate authority in " + dir + ": " + e.getMessage(), e);
        }
    }

    Path certificateFile() {
        return certificateFile;
    }

    /**
     * Writes {@code file}: a new private key and its certificate for {@code commonName}, valid for
     * 127.0.0.1 and localhost as a TLS server and client, followed by this CA's certificate.
     */
    void issue(String commonName, Path file) throws IOException {
        try {
            KeyPair pair = keyPair();
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X500Name issuer = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
            X509v3CertificateBuilder builder = builder(issuer, new X500Name("CN=" + commonName), pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                            new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                            new GeneralName(GeneralName.dNSName, "localhost")}))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            X509Certificate issued = sign(builder, key);
            Files.createDirectories(file.getParent());
            writePrivate(file, pem("PRIVATE KEY", pair.getPrivate().getEncoded())
                    + pem("CERTIFICATE", issued.getEncoded()) + pem("CERTIFICATE", certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot issue a certificate for " + commonName + ": " + e.getMessage(), e);
        }
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256, RANDOM);
        return generator.generateKeyPair();
    }

    private static JcaX509v3CertificateBuilder builder(X500Name issuer, X500Name subject, PublicKey key) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, key);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
            throws GeneralSecurityException {
        try {
            ContentSigner contentSigner = new JcaContentSignerBuilder(SIGNATURE).build(signer);
            X509CertificateHolder holder = builder.build(contentSigner);
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static byte[] der(String pem) {
        String body = pem.replaceAll("-----(BEGIN|END) [A-Z ]+-----", "").replaceAll("\\s", "");
        return Base64.getDecoder().decode(body);
    }

    private static PrivateKey readKey(Path file) throws IOException, GeneralSecurityException {
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der(Files.readString(file))));
    }

    private static X509Certificate readCertificate(Path file) throws IOException, GeneralSecurityException {
        try (var in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** Writes {@code text} to {@code file} atomically, readable and writable by its owner only. */
    static void writePrivate(Path file, String text) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
