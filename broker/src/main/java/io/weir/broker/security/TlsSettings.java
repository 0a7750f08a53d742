package io.weir.broker.security;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import io.weir.metadata.quorum.QuorumTls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;

/**
 * A node's TLS material with Kafka's settings ({@code ssl.keystore.*}, {@code ssl.truststore.*},
 * {@code ssl.client.auth}, {@code ssl.endpoint.identification.algorithm}), and the contexts built
 * from it with the JDK's TLS engine: Netty's for the listeners, a plain {@link SSLContext} for the
 * node's own connections to other nodes (which present the same key store, for mutual TLS).
 *
 * <p>Key and trust stores are JKS, PKCS12 or PEM (one file with the private key, PKCS#8, and
 * its certificate chain; a trust store's PEM file holds certificates). Without a trust store
 * the JDK's default CAs are trusted.
 */
public record TlsSettings(Path keystore, String keystorePassword, String keystoreType, String keyPassword,
                          Path truststore, String truststorePassword, String truststoreType, String clientAuth,
                          String endpointIdentificationAlgorithm) {

    /** The listeners' context: this node's key, and client certificates checked as {@code ssl.client.auth} says. */
    public SslContext serverContext() throws IOException, GeneralSecurityException {
        SslContextBuilder builder = keystoreType.equals("PEM")
                ? SslContextBuilder.forServer(keystore.toFile(), keystore.toFile(), keyPassword)
                : SslContextBuilder.forServer(keyManagers());
        trust(builder);
        return builder.sslProvider(SslProvider.JDK).protocols(List.of("TLSv1.3", "TLSv1.2"))
                .clientAuth(switch (clientAuth) {
                    case "required" -> ClientAuth.REQUIRE;
                    case "requested" -> ClientAuth.OPTIONAL;
                    default -> ClientAuth.NONE;
                }).build();
    }

    /** The node's own client context: the trust store to check other nodes, the key store to show its own. */
    public SSLContext clientContext() throws IOException, GeneralSecurityException {
        SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .protocols(List.of("TLSv1.3", "TLSv1.2"));
        if (keystore != null) {
            if (keystoreType.equals("PEM")) builder.keyManager(keystore.toFile(), keystore.toFile(), keyPassword);
            else builder.keyManager(keyManagers());
        }
        trust(builder);
        return ((JdkSslContext) builder.build()).context();
    }

    /**
     * Mutual TLS for the metadata quorum's port: this node's key and chain, trusting the trust
     * store only (never the JDK's default CAs, which would let any publicly issued certificate in).
     */
    public QuorumTls quorumTls() throws IOException, GeneralSecurityException {
        if (keystore == null || truststore == null) {
            throw new IllegalArgumentException("mutual TLS on the quorum port needs ssl.keystore.location and "
                    + "ssl.truststore.location");
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        if (keystoreType.equals("PEM")) {
            char[] none = new char[0];
            kmf.init(PemStores.keyStore(keystore, keyPassword, none), none);
        } else {
            kmf.init(load(keystore, keystoreType, keystorePassword), keyStorePassword());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(truststoreType.equals("PEM") ? PemStores.trustStore(truststore)
                : load(truststore, truststoreType, truststorePassword));
        return new QuorumTls(only(kmf.getKeyManagers(), X509KeyManager.class),
                only(tmf.getTrustManagers(), X509TrustManager.class));
    }

    private static <T> T only(Object[] managers, Class<T> type) throws GeneralSecurityException {
        for (Object m : managers) {
            if (type.isInstance(m)) return type.cast(m);
        }
        throw new GeneralSecurityException("no " + type.getSimpleName() + " among " + java.util.Arrays.toString(managers));
    }

    private char[] keyStorePassword() {
        String password = keyPassword != null ? keyPassword : keystorePassword;
        return password == null ? null : password.toCharArray();
    }

    /** Whether clients check that a node's certificate names the host they dialled (Kafka's default, {@code https}). */
    public boolean verifyHostname() {
        return endpointIdentificationAlgorithm != null && !endpointIdentificationAlgorithm.isEmpty();
    }

    private void trust(SslContextBuilder builder) throws IOException, GeneralSecurityException {
        if (truststore == null) return;
        if (truststoreType.equals("PEM")) {
            builder.trustManager(truststore.toFile());
        } else {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(load(truststore, truststoreType, truststorePassword));
            builder.trustManager(tmf);
        }
    }

    private KeyManagerFactory keyManagers() throws IOException, GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(load(keystore, keystoreType, keystorePassword), keyStorePassword());
        return kmf;
    }

    private static KeyStore load(Path file, String type, String password) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(type);
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password == null ? null : password.toCharArray());
        }
        return store;
    }

    @Override
    public String toString() {
        return "TlsSettings[keystore=" + keystore + ", truststore=" + truststore + ", clientAuth=" + clientAuth + "]";
    }
}
