package io.weir.broker.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class ReadBudgetTest {

    @Test
    void theBudgetIsHalfTheMaxWaitWithinItsBounds() {
        assertThat(ReadBudget.budgetMs(500)).isEqualTo(250);
        assertThat(ReadBudget.budgetMs(0)).isEqualTo(ReadBudget.MIN_MS);
        assertThat(ReadBudget.budgetMs(-1)).isEqualTo(ReadBudget.MIN_MS);
        assertThat(ReadBudget.budgetMs(Integer.MAX_VALUE)).isEqualTo(ReadBudget.MAX_MS);
    }

    @Test
    void partitionsAfterTheDeadlineAreSkippedAndTheAnswerGoesAtOnce() {
        ReadBudget budget = ReadBudget.start(500, 1_000);
        assertThat(budget.mayRead(1_000)).isTrue();
        assertThat(budget.mayRead(1_249)).isTrue();
        assertThat(budget.skippedAny()).isFalse();
        assertThat(budget.mayRead(1_250)).isFalse();
        assertThat(budget.mayRead(1_251)).isFalse();
        assertThat(budget.skippedAny()).isTrue();
    }

    @Test
    void theFirstPartitionIsReadHoweverLateSoEveryPassMakesProgress() {
        ReadBudget budget = ReadBudget.start(0, 1_000);
        assertThat(budget.mayRead(60_000)).isTrue();
        assertThat(budget.mayRead(60_000)).isFalse();
    }

    /** Reads happen exactly before the deadline (and the first always); skippedAny says whether any did not. */
    @Property(tries = 300)
    void readsExactlyBeforeTheDeadline(@ForAll @IntRange(min = 0, max = 5_000) int maxWait,
                                       @ForAll @Size(max = 30) List<@IntRange(min = 0, max = 400) Integer> steps) {
        long start = 10_000;
        ReadBudget budget = ReadBudget.start(maxWait, start);
        long now = start;
        boolean anySkipped = false;
        for (int i = 0; i < steps.size(); i++) {
            now += steps.get(i);
            boolean expected = i == 0 || now < start + ReadBudget.budgetMs(maxWait);
            assertThat(budget.mayRead(now)).isEqualTo(expected);
            anySkipped |= !expected;
        }
        assertThat(budget.skippedAny()).isEqualTo(anySkipped);
    }
}
