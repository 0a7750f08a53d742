package io.weir.controller.broker;

import io.weir.controller.ApiError;
import io.weir.controller.ApiStatus;
import io.weir.controller.ControllerResult;
import io.weir.controller.image.BrokerRegistration;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.partition.BrokerLivenessChanges;
import io.weir.controller.record.ConfigRecord;
import io.weir.controller.record.ConfigResource;
import io.weir.controller.record.FenceBrokerRecord;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.RegisterBrokerRecord;
import io.weir.controller.record.UnfenceBrokerRecord;
import io.weir.controller.record.UnregisterBrokerRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Broker registration, heartbeats and session expiry. A broker registers fenced, is unfenced by
 * a heartbeat that no longer asks to be fenced once it has replayed the metadata up to its
 * registration, and is fenced again when it asks to shut down
 * or misses heartbeats for {@code broker.session.timeout.ms}; fencing moves its partition
 * leaderships to other live ISR members ({@link BrokerLivenessChanges}).
 *
 * <p>A broker whose heartbeat says its data directory is offline (full or failed) stays
 * unfenced, so it keeps serving reads, but leaves the ISR of every partition another live ISR
 * member can take over, with the leadership ({@link BrokerLivenessChanges#onLogDirOffline}),
 * and cannot rejoin an ISR until its directory is back.
 *
 * <p>These changes touch every partition the broker leads or follows, so with tens of thousands
 * of partitions they exceed one batch: they are non-atomic results, appended in several
 * consecutive batches, in the order decided: the broker's own record last where a failover
 * between two batches must leave it in its old state (fencing, registering, unregistering); an
 * unfencing comes first and its elections after it, which a new active controller completes if
 * they were cut short ({@link BrokerLivenessChanges#electLeaderless}).
 */
public final class BrokerControlManager {
    private final BrokerHeartbeatTracker heartbeats;

    public BrokerControlManager(BrokerHeartbeatTracker heartbeats) {
        this.heartbeats = heartbeats;
    }

    public BrokerHeartbeatTracker heartbeats() {
        return heartbeats;
    }

    public ControllerResult<BrokerRegistrationReply> register(MetadataImage image,
                                                              BrokerRegistrationRequest request,
                                                              long nowMs) {
        if (request.brokerId() < 0 || request.incarnationId() == null) {
            return ControllerResult.noChange(new BrokerRegistrationReply(
                ApiStatus.of(ApiError.INVALID_REQUEST, "broker id and incarnation id required"),
                -1));
        }
        Optional<BrokerRegistration> existing = image.broker(request.brokerId());
        if (existing.isPresent()
            && !existing.get().incarnationId().equals(request.incarnationId())
            && !existing.get().fenced()
            && !heartbeats.hasExpired(request.brokerId(), nowMs)) {
            return ControllerResult.noChange(new BrokerRegistrationReply(ApiStatus.of(
                ApiError.DUPLICATE_BROKER_REGISTRATION, "another broker with id "
                    + request.brokerId() + " is registered and alive"), -1));
        }
        long epoch = nextBrokerEpoch(image);
        List<MetadataRecord> records = new ArrayList<>();
        if (existing.isPresent() && !existing.get().fenced()) {
            // A restart: the old incarnation loses its leaderships before the new one registers.
            records.addAll(BrokerLivenessChanges.onFenced(image, request.brokerId()));
        }
        records.add(new RegisterBrokerRecord(request.brokerId(), epoch, request.incarnationId(),
            request.endpoints(), request.rack(), true));
        heartbeats.touch(request.brokerId(), nowMs);
        return ControllerResult.nonAtomic(records, new BrokerRegistrationReply(ApiStatus.OK, epoch));
    }

    public ControllerResult<BrokerHeartbeatReply> heartbeat(MetadataImage image,
                                                            BrokerHeartbeatRequest request,
                                                            long nowMs) {
        Optional<BrokerRegistration> found = image.broker(request.brokerId());
        if (found.isEmpty()) {
            return ControllerResult.noChange(new BrokerHeartbeatReply(ApiStatus.of(
                ApiError.BROKER_ID_NOT_REGISTERED, "broker " + request.brokerId()
                    + " is not registered"), false, true, false));
        }
        BrokerRegistration broker = found.get();
        if (broker.epoch() != request.brokerEpoch()) {
            return ControllerResult.noChange(new BrokerHeartbeatReply(ApiStatus.of(
                ApiError.STALE_BROKER_EPOCH, "broker " + broker.id() + " epoch is "
                    + broker.epoch() + ", not " + request.brokerEpoch()), false, true, false));
        }
        heartbeats.touch(broker.id(), nowMs);
        heartbeats.logDirOffline(broker.id(), request.logDirOffline());
        boolean caughtUp = heartbeats.isCaughtUp(broker.id(), request.currentMetadataOffset());
        if (request.wantShutDown()) {
            List<MetadataRecord> records = broker.fenced() ? List.of() : fence(image, broker);
            return ControllerResult.nonAtomic(records,
                new BrokerHeartbeatReply(ApiStatus.OK, caughtUp, true, true));
        }
        if (broker.fenced() && !request.wantFence() && !caughtUp) {
            // Like Kafka: a broker leads only once it has the metadata up to its registration.
            return ControllerResult.noChange(
                new BrokerHeartbeatReply(ApiStatus.OK, false, true, false));
        }
        if (broker.fenced() && !request.wantFence()) {
            List<MetadataRecord> records = new ArrayList<>();
            records.add(new UnfenceBrokerRecord(broker.id(), broker.epoch()));
            MetadataImage unfenced = image.apply(image.offset(), records);
            records.addAll(BrokerLivenessChanges.onUnfenced(unfenced, broker.id()));
            return ControllerResult.nonAtomic(records,
                new BrokerHeartbeatReply(ApiStatus.OK, true, false, false));
        }
        if (!broker.fenced() && request.wantFence()) {
            return ControllerResult.nonAtomic(fence(image, broker),
                new BrokerHeartbeatReply(ApiStatus.OK, caughtUp, true, false));
        }
        BrokerHeartbeatReply reply = new BrokerHeartbeatReply(ApiStatus.OK, caughtUp, broker.fenced(), false);
        if (!broker.fenced() && request.logDirOffline()) {
            // Every heartbeat while offline: leaderships it gained meanwhile move too.
            return ControllerResult.nonAtomic(BrokerLivenessChanges.onLogDirOffline(image, broker.id()), reply);
        }
        return ControllerResult.noChange(reply);
    }

    /**
     * UnregisterBroker: removes a decommissioned broker's registration (fencing it first if it
     * is still unfenced, so its leaderships move). Its replicas stay assigned until reassigned.
     */
    public ControllerResult<ApiStatus> unregister(MetadataImage image, int brokerId) {
        Optional<BrokerRegistration> found = image.broker(brokerId);
        if (found.isEmpty()) {
            return ControllerResult.noChange(ApiStatus.of(ApiError.BROKER_ID_NOT_REGISTERED,
                "broker " + brokerId + " is not registered"));
        }
        BrokerRegistration broker = found.get();
        List<MetadataRecord> records = new ArrayList<>();
        if (!broker.fenced()) {
            records.addAll(fence(image, broker));
        }
        records.add(new UnregisterBrokerRecord(broker.id(), broker.epoch()));
        ConfigResource resource = new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(brokerId));
        image.configs(resource).keySet().forEach(name -> records.add(new ConfigRecord(resource, name, null)));
        heartbeats.forget(brokerId);
        return ControllerResult.nonAtomic(records, ApiStatus.OK);
    }

    /** Fences every unfenced broker whose session expired, moving its leaderships; no bound on records. */
    public ControllerResult<List<Integer>> fenceExpired(MetadataImage image, long nowMs) {
        return fenceExpired(image, nowMs, Integer.MAX_VALUE);
    }

    /**
     * Fences every unfenced broker whose session expired, moving its leaderships, in at most
     * {@code maxRecords} records. A broker with more partitions than fit is fenced over several
     * passes, as Kafka's controller does: each pass moves leadership and ISR membership of as many
     * of its partitions away as fit (what a controlled shutdown does), and the pass in which the
     * rest fits fences it. Its session stays expired meanwhile, so the next check goes on.
     */
    public ControllerResult<List<Integer>> fenceExpired(MetadataImage image, long nowMs, int maxRecords) {
        List<MetadataRecord> records = new ArrayList<>();
        List<Integer> fenced = new ArrayList<>();
        MetadataImage working = image;
        for (int id : heartbeats.expired(nowMs)) {
            Optional<BrokerRegistration> b = working.broker(id);
            if (b.isEmpty()) {
                heartbeats.forget(id);
                continue;
            }
            if (b.get().fenced()) {
                continue;
            }
            List<MetadataRecord> step = fence(working, b.get());
            int room = maxRecords - records.size();
            if (step.size() > room) {
                // The fence record comes last in step: only partition moves now, the fence once the rest fits.
                records.addAll(step.subList(0, Math.min(step.size() - 1, Math.max(0, room))));
                break;
            }
            records.addAll(step);
            working = working.apply(working.offset(), step);
            fenced.add(id);
        }
        return ControllerResult.of(records, fenced);
    }

    /**
     * The partition moves, then the fence record: last, so that a fencing spread over several
     * batches and cut short by a failover leaves the broker unfenced (and fenced again by the next
     * heartbeat, shutdown request or session expiry) rather than fenced and still leading.
     */
    private static List<MetadataRecord> fence(MetadataImage image, BrokerRegistration broker) {
        List<MetadataRecord> records = new ArrayList<>(BrokerLivenessChanges.onFenced(image, broker.id()));
        records.add(new FenceBrokerRecord(broker.id(), broker.epoch()));
        return records;
    }

    /**
     * Broker epochs only grow: above every epoch ever registered (also of brokers that have
     * unregistered since) and above the image's offset, which itself only grows.
     */
    static long nextBrokerEpoch(MetadataImage image) {
        return Math.max(image.highestBrokerEpoch(), image.offset()) + 1;
    }
}
