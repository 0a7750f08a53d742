package io.weir.controller.quota;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a client quota applies to, as in Kafka: a user, a client id, or both ({@code user},
 * {@code client-id}), each either named or the default ({@code null} name: every user or client
 * id without its own quota). Its {@link #encoded()} form names its config resource; it orders
 * the types and escapes the names, so two equal entities encode alike and no name can pass for
 * the default.
 */
public record ClientQuotaEntity(Map<String, Optional<String>> components) {
    public static final String USER = "user";
    public static final String CLIENT_ID = "client-id";
    public static final String IP = "ip";
    private static final String DEFAULT = "<default>";

    public ClientQuotaEntity {
        components = Collections.unmodifiableMap(new TreeMap<>(components));
    }

    /** A user and/or client id entity; a null name is that type's default, a null type is absent. */
    public static ClientQuotaEntity of(String userOrNull, boolean hasUser, String clientIdOrNull, boolean hasClientId) {
        Map<String, Optional<String>> c = new TreeMap<>();
        if (hasUser) c.put(USER, Optional.ofNullable(userOrNull));
        if (hasClientId) c.put(CLIENT_ID, Optional.ofNullable(clientIdOrNull));
        return new ClientQuotaEntity(c);
    }

    public boolean has(String type) {
        return components.containsKey(type);
    }

    /** The name for {@code type}: empty for the default; call only when {@link #has(String)}. */
    public Optional<String> name(String type) {
        return components.get(type);
    }

    /** {@code type=name} pairs in type order, names URL-encoded, {@code <default>} for defaults, joined by '/'. */
    public String encoded() {
        List<String> parts = new ArrayList<>();
        components.forEach((type, name) -> parts.add(URLEncoder.encode(type, StandardCharsets.UTF_8) + "="
                + name.map(n -> URLEncoder.encode(n, StandardCharsets.UTF_8)).orElse(DEFAULT)));
        return String.join("/", parts);
    }

    /** The inverse of {@link #encoded()}. */
    public static ClientQuotaEntity decode(String encoded) {
        Map<String, Optional<String>> c = new TreeMap<>();
        for (String part : encoded.split("/")) {
            int eq = part.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("not a client quota entity: " + encoded);
            String type = URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8);
            String name = part.substring(eq + 1);
            c.put(type, DEFAULT.equals(name) ? Optional.empty()
                    : Optional.of(URLDecoder.decode(name, StandardCharsets.UTF_8)));
        }
        return new ClientQuotaEntity(c);
    }

    @Override
    public String toString() {
        return encoded();
    }
}
