package io.weir.controller.coordination;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

class LocalCoordinationContractTest extends CoordinationContractTest {
    private final LocalCoordination.Log log = new LocalCoordination.Log();
    private final List<Coordination> created = new ArrayList<>();

    @Override
    protected List<Coordination> createMembers(int n, Path dir) {
        for (int id = 1; id <= n; id++) {
            created.add(new LocalCoordination(log, id));
        }
        return created;
    }

    @Override
    protected void afterStart(List<Coordination> started) {
        log.elect(1);
    }

    @Override
    protected void crash(Coordination member) {
        member.close();
        created.stream().filter(c -> c != member).findFirst()
            .ifPresent(next -> log.elect(next.nodeId()));
    }
}
