package io.weir.broker.admin;

import io.weir.broker.lifecycle.RoutingControllerChannel;
import io.weir.broker.metadata.TopicAutoCreator;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Auto-creation through the active controller (in-process or over CreateTopics), one topic at a
 * time on its own thread so Metadata handlers never wait. At most {@value #MAX_PENDING} names
 * are pending; beyond that requests are dropped and clients simply ask again.
 */
public final class ControllerTopicAutoCreator implements TopicAutoCreator, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControllerTopicAutoCreator.class);
    private static final int MAX_PENDING = 1000;

    private final RoutingControllerChannel channel;
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "weir-topic-auto-create");
        t.setDaemon(true);
        return t;
    });

    /** @param channel used only from this creator's thread */
    public ControllerTopicAutoCreator(RoutingControllerChannel channel) {
        this.channel = channel;
    }

    @Override
    public boolean requestCreation(String name) {
        if (pending.size() >= MAX_PENDING || !pending.add(name)) return true;
        try {
            thread.execute(() -> {
                try {
                    short code = channel.createTopicWithDefaults(name);
                    if (code != Errors.NONE.code() && code != Errors.TOPIC_ALREADY_EXISTS.code()) {
                        log.info("Auto-creating topic {} failed: {}", name, Errors.forCode(code));
                    } else if (code == Errors.NONE.code()) {
                        log.info("Auto-created topic {}", name);
                    }
                } catch (Exception e) {
                    log.info("Auto-creating topic {} failed: {}", name, e.toString());
                } finally {
                    pending.remove(name);
                }
            });
        } catch (RejectedExecutionException closing) {
            pending.remove(name);
        }
        return true;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        channel.close();
    }
}
