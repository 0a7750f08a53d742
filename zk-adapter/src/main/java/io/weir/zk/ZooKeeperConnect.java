package io.weir.zk;

import java.util.ArrayList;
import java.util.List;

/**
 * A parsed ZooKeeper connect string, {@code host:port[,host:port...][/chroot]}, as Kafka's
 * {@code zookeeper.connect} takes it. The chroot becomes Curator's namespace, which Curator
 * creates on first use (plain ZooKeeper would fail on a chroot that does not exist yet).
 *
 * @param servers {@code host:port} of each ensemble member, in the order given
 * @param chroot the chroot path ("/a/b"), or empty for none
 */
public record ZooKeeperConnect(List<String> servers, String chroot) {

    public ZooKeeperConnect {
        servers = List.copyOf(servers);
    }

    /**
     * @throws IllegalArgumentException saying what is wrong with {@code value} (not naming a
     *     config key: the caller knows which key it read)
     */
    public static ZooKeeperConnect parse(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("is empty; expected host:port[,host:port...][/chroot]");
        }
        if (!value.strip().equals(value) || value.contains(" ")) {
            throw new IllegalArgumentException("must not contain spaces: '" + value + "'");
        }
        int slash = value.indexOf('/');
        String hosts = slash < 0 ? value : value.substring(0, slash);
        String chroot = slash < 0 ? "" : value.substring(slash);
        List<String> servers = new ArrayList<>();
        for (String server : hosts.split(",", -1)) {
            servers.add(checkServer(server, value));
        }
        if (chroot.equals("/")) {
            chroot = "";
        }
        if (!chroot.isEmpty()) {
            checkChroot(chroot, value);
        }
        return new ZooKeeperConnect(servers, chroot);
    }

    private static String checkServer(String server, String value) {
        int colon = server.lastIndexOf(':');
        if (colon <= 0 || colon == server.length() - 1) {
            throw new IllegalArgumentException("expected host:port, got '" + server + "' in '" + value + "'");
        }
        String port = server.substring(colon + 1);
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port '" + port + "' of '" + server + "' is not a number");
        }
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("port " + p + " of '" + server + "' is out of range 1-65535");
        }
        return server;
    }

    private static void checkChroot(String chroot, String value) {
        if (chroot.endsWith("/") || chroot.contains("//")) {
            throw new IllegalArgumentException("chroot '" + chroot + "' of '" + value
                + "' must not end with / or contain an empty segment");
        }
        for (String segment : chroot.substring(1).split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("chroot '" + chroot + "' must not contain . or ..");
            }
        }
    }

    /** The ensemble part, as the ZooKeeper client takes it. */
    public String ensemble() {
        return String.join(",", servers);
    }

    /** The chroot as a Curator namespace (no leading slash), or null for none. */
    public String namespace() {
        return chroot.isEmpty() ? null : chroot.substring(1);
    }

    @Override
    public String toString() {
        return ensemble() + chroot;
    }
}
