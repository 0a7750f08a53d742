package io.weir.storage;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.stream.Stream;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.PrecreatedFiles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the first pages of a roll file before Chronicle creates it, so that creating it does not
 * fill the page cache with megabytes of zeros.
 *
 * <p>Chronicle creates a roll file by extending an empty file to a whole mapping chunk (16 MiB and
 * its overlap, sparse) and storing its header through the mapping. The first touch of a page that
 * is not in the page cache is a page fault with read-around: Linux reads the pages around it, up to
 * the device's read-ahead size ({@code read_ahead_kb}, 8 MiB on the dev machine), and for a sparse
 * file that means allocating and zeroing megabytes of page cache. Creating a queue cost 2.5–4 ms of
 * CPU on an idle dev machine and about 9 ms at load 10, nearly all of it that zeroing; a node
 * creating thousands of queues at once (a topic's first records) spent most of its CPU there, and
 * every new queue left megabytes of clean zeros in the page cache for the kernel to reclaim.
 *
 * <p>Chronicle renames a file named {@code <roll file>.precreated}, if there is one, to the roll file
 * it is about to create ({@link PrecreatedFiles}). Writing {@link #BYTES} of zeros there with an
 * ordinary write puts the pages Chronicle touches first (the header, the index of indexes, the first
 * index array and the first excerpts) in the page cache without read-around; a fault there finds
 * its page and reads nothing around it. It cost 0.2 ms per file on the same machine. Pages past the
 * prefix still fault with read-around, once a log has grown past them.
 *
 * <p>Safety: the file holds zeros only, which is what Chronicle's own creation starts from (its
 * header is written by compare-and-swap over a zero word); Chronicle's directory listing ignores the
 * {@code .precreated} name, so a crash before the rename leaves a file no reader sees, renamed and
 * used by the next append to that cycle. Failing to write it is not an error: Chronicle then creates
 * the roll file itself, as before.
 */
final class PrecreatedRollFile {
    private static final Logger log = LoggerFactory.getLogger(PrecreatedRollFile.class);
    /** The prefix written: Chronicle's header and two 32 KiB index arrays, and some 60 KiB of excerpts. */
    static final int BYTES = 128 << 10;
    /** Chronicle's pre-created file suffix ({@code PrecreatedFiles}). */
    private static final String SUFFIX = ".precreated";
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(BYTES).asReadOnlyBuffer();

    private PrecreatedRollFile() {
    }

    /** The roll file Chronicle uses for {@code cycle}: the cycle's start in the roll cycle's UTC date format, ".cq4". */
    static File rollFile(File queueDir, RollCycle rollCycle, int cycle) {
        String name = DateTimeFormatter.ofPattern(rollCycle.format()).withZone(ZoneOffset.UTC)
                .format(Instant.ofEpochMilli((long) cycle * rollCycle.lengthInMillis())) + SingleChronicleQueue.SUFFIX;
        return new File(queueDir, name);
    }

    /**
     * Writes the zero prefix of {@code rollFile} under Chronicle's pre-created name, unless the roll
     * file or that name exists already.
     *
     * @return whether a file was written
     */
    static boolean prepare(File rollFile) {
        if (rollFile.exists()) {
            return false;
        }
        File precreated = PrecreatedFiles.preCreatedFile(rollFile);
        try (FileChannel ch = FileChannel.open(precreated.toPath(), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ZEROS.duplicate();
            while (zeros.hasRemaining()) {
                ch.write(zeros, zeros.position());
            }
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            log.debug("Could not pre-create {}; Chronicle creates the roll file itself: {}", rollFile, e.toString());
            return false;
        }
    }

    /**
     * Deletes the pre-created files in a queue directory that is about to open. Chronicle renames
     * one only when it creates that very roll file, so one prepared for a cycle that rolled over
     * before its first write, or before a kill -9, would stay forever (retention deletes roll files
     * by name). Nothing else writes them while the queue is closed; the appender prepares its
     * cycle's again.
     */
    static void deleteStray(Path queueDir) {
        if (!Files.isDirectory(queueDir)) {
            return;
        }
        try (Stream<Path> files = Files.list(queueDir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.getFileName().toString().endsWith(SUFFIX)) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            log.debug("Could not delete stray pre-created files in {}: {}", queueDir, e.toString());
        }
    }
}
