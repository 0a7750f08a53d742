package io.weir.broker.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.weir.controller.image.MetadataImage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ImagePublisherTest {

    @Test
    void aBusyConsumerGetsTheNewestImageNextAndNeverAnOlderOne() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<Long> applied = new CopyOnWriteArrayList<>();
        try (ImagePublisher publisher = new ImagePublisher("test-apply", image -> {
            applied.add(image.offset());
            if (image.offset() == 1) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        })) {
            publisher.offer(MetadataImage.EMPTY.withOffset(1));
            await().atMost(Duration.ofSeconds(30)).until(() -> applied.contains(1L));
            // The consumer is busy with image 1: these wait, and only the newest is applied.
            // Offering never waits for the consumer (a deadlock here would fail the bound).
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                for (long offset = 2; offset <= 6; offset++) {
                    publisher.offer(MetadataImage.EMPTY.withOffset(offset));
                }
                publisher.offer(MetadataImage.EMPTY.withOffset(4)); // older than one offered: ignored
            });
            release.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> applied.contains(6L));
            publisher.offer(MetadataImage.EMPTY.withOffset(7));
            await().atMost(Duration.ofSeconds(30)).until(() -> applied.contains(7L));
            assertThat(applied).containsExactly(1L, 6L, 7L);
        }
    }

    @Test
    void aFailingConsumerDoesNotStopLaterImages() {
        List<Long> applied = new CopyOnWriteArrayList<>();
        try (ImagePublisher publisher = new ImagePublisher("test-apply", image -> {
            applied.add(image.offset());
            if (image.offset() == 1) throw new IllegalStateException("disk trouble");
        })) {
            publisher.offer(MetadataImage.EMPTY.withOffset(1));
            await().atMost(Duration.ofSeconds(30)).until(() -> applied.contains(1L));
            publisher.offer(MetadataImage.EMPTY.withOffset(2));
            await().atMost(Duration.ofSeconds(30)).until(() -> applied.contains(2L));
        }
        assertThat(applied).containsExactly(1L, 2L);
    }
}
