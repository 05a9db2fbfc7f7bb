package io.moeplatform.inference.engine.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.inference.GenerationRequest;
import io.moeplatform.inference.SamplingParams;
import io.moeplatform.inference.SchedulingClass;
import io.moeplatform.inference.StopConditions;
import io.moeplatform.inference.engine.kv.KvBlockAllocator;
import io.moeplatform.inference.model.SequenceSlice;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SchedulerTests {

    private long arrivals;

    private SequenceGroup group(String tenant, SchedulingClass schedulingClass, int promptLength, int n) {
        int[] prompt = new int[promptLength];
        for (int i = 0; i < promptLength; i++) {
            prompt[i] = (i * 7 + 3) % 50;
        }
        GenerationRequest request = new GenerationRequest("r" + arrivals, "m", tenant, schedulingClass, prompt,
                SamplingParams.greedy(8), new StopConditions(List.of(), Set.of(), true), n, null, "salt-" + tenant);
        return new SequenceGroup(request, arrivals++, System.nanoTime()) {};
    }

    private SequenceGroup group(String tenant, int promptLength) {
        return group(tenant, SchedulingClass.DEFAULT, promptLength, 1);
    }

    /** Runs a planned step: computes it and appends a token to every sequence that sampled. */
    private static StepPlan step(Scheduler scheduler) {
        StepPlan plan = scheduler.schedule();
        List<Sequence> sampling = plan.sequences().stream().filter(plan::samples).toList();
        scheduler.complete(plan);
        sampling.forEach(sequence -> sequence.append(1));
        return plan;
    }

    @Test
    void longPromptIsPrefilledInChunksAndOnlyTheLastChunkAsksForLogits() {
        Scheduler scheduler = new Scheduler(new KvBlockAllocator(16, 4), new SchedulerLimits(8, 4, false));
        scheduler.enqueue(group("a", 20));
        List<Integer> chunks = new java.util.ArrayList<>();
        List<Boolean> logits = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            StepPlan plan = scheduler.schedule();
            SequenceSlice slice = plan.batch().slices().getFirst();
            chunks.add(slice.tokenIds().length);
            logits.add(slice.needsLogits());
            scheduler.complete(plan);
        }
        assertThat(chunks).containsExactly(8, 8, 4);
        assertThat(logits).containsExactly(false, false, true);
    }

    @Test
    void runningDecodesGoFirstAndPrefillsFillTheRestOfTheBudget() {
        Scheduler scheduler = new Scheduler(new KvBlockAllocator(16, 4), new SchedulerLimits(8, 4, false));
        SequenceGroup decoding = group("a", 5);
        scheduler.enqueue(decoding);
        step(scheduler);
        scheduler.enqueue(group("a", 30));
        StepPlan plan = scheduler.schedule();
        assertThat(plan.batch().slices()).extracting(s -> s.tokenIds().length).containsExactly(1, 7);
        assertThat(plan.sequences().getFirst().group()).isSameAs(decoding);
    }

    @Test
    void admissionFollowsTenantWeights() {
        Scheduler scheduler = new Scheduler(new KvBlockAllocator(64, 4), new SchedulerLimits(8, 1, false));
        for (int i = 0; i < 40; i++) {
            scheduler.enqueue(group("heavy", new SchedulingClass(3, 0, 0), 8, 1));
            scheduler.enqueue(group("light", new SchedulingClass(1, 0, 0), 8, 1));
        }
        Map<String, Integer> admitted = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            StepPlan plan = step(scheduler);
            Sequence sequence = plan.sequences().getFirst();
            admitted.merge(sequence.group().tenantId(), 1, Integer::sum);
            scheduler.finish(sequence);
        }
        assertThat(admitted.get("heavy")).isBetween(29, 31);
        assertThat(admitted.get("light")).isBetween(9, 11);
    }

    @Test
    void higherPriorityRunsFirstWithinATenant() {
        Scheduler scheduler = new Scheduler(new KvBlockAllocator(64, 4), new SchedulerLimits(64, 1, false));
        scheduler.enqueue(group("a", new SchedulingClass(1, 0, 0), 4, 1));
        SequenceGroup urgent = group("a", new SchedulingClass(1, 5, 0), 4, 1);
        scheduler.enqueue(urgent);
        assertThat(scheduler.schedule().sequences()).singleElement().extracting(Sequence::group).isSameAs(urgent);
    }

    @Test
    void tenantConcurrencyCapLeavesRoomForOthers() {
        Scheduler scheduler = new Scheduler(new KvBlockAllocator(64, 4), new SchedulerLimits(64, 8, false));
        SchedulingClass capped = new SchedulingClass(1, 0, 1);
        scheduler.enqueue(group("a", capped, 4, 1));
        scheduler.enqueue(group("a", capped, 4, 1));
        scheduler.enqueue(group("b", 4));
        StepPlan plan = scheduler.schedule();
        assertThat(plan.sequences()).extracting(s -> s.group().tenantId()).containsExactlyInAnyOrder("a", "b");
        assertThat(scheduler.waitingRequests()).isEqualTo(1);
    }

    @Test
    void newestSequenceIsPreemptedWhenBlocksRunOutAndResumesFromScratch() {
        KvBlockAllocator allocator = new KvBlockAllocator(4, 4);
        Scheduler scheduler = new Scheduler(allocator, new SchedulerLimits(64, 8, false));
        SequenceGroup older = group("a", 7);
        SequenceGroup newer = group("a", 7);
        scheduler.enqueue(older);
        scheduler.enqueue(newer);
        step(scheduler);
        step(scheduler);
        StepPlan plan = step(scheduler);

        assertThat(scheduler.preemptions()).isEqualTo(1);
        assertThat(plan.sequences()).extracting(Sequence::group).containsExactly(older);
        Sequence preempted = newer.sequences().getFirst();
        assertThat(preempted.isRunning()).isFalse();
        assertThat(preempted.computedTokens()).isZero();
        assertThat(preempted.length()).as("generated tokens are kept for the recompute").isEqualTo(9);
        assertThat(allocator.referencedBlocks()).isEqualTo(3);

        scheduler.finish(older.sequences().getFirst());
        StepPlan resumed = scheduler.schedule();
        assertThat(resumed.batch().slices()).singleElement().satisfies(slice -> {
            assertThat(slice.tokenIds()).hasSize(9);
            assertThat(slice.needsLogits()).isTrue();
        });
    }

    @Test
    void samePrefixSharesFullBlocksOnlyUnderTheSameSalt() {
        KvBlockAllocator allocator = new KvBlockAllocator(32, 4);
        Scheduler scheduler = new Scheduler(allocator, new SchedulerLimits(64, 8, true));
        SequenceGroup first = group("a", 9);
        scheduler.enqueue(first);
        step(scheduler);
        SequenceGroup second = group("a", 9);
        SequenceGroup otherTenant = group("b", 9);
        scheduler.enqueue(second);
        scheduler.enqueue(otherTenant);
        StepPlan plan = scheduler.schedule();

        SequenceSlice secondSlice = plan.batch().slices().stream()
                .filter(s -> s.sequenceId() == second.sequences().getFirst().id()).findFirst().orElseThrow();
        int[] firstBlocks = first.sequences().getFirst().blockTable();
        assertThat(secondSlice.startPosition()).isEqualTo(8);
        assertThat(secondSlice.blockTable()[0]).isEqualTo(firstBlocks[0]);
        assertThat(secondSlice.blockTable()[1]).isEqualTo(firstBlocks[1]);
        assertThat(allocator.referenceCount(firstBlocks[0])).isEqualTo(2);
        assertThat(second.cachedPromptTokens()).isEqualTo(8);
        assertThat(otherTenant.cachedPromptTokens()).isZero();
        assertThat(scheduler.promptTokensFromCache()).isEqualTo(8);
    }

    @Test
    void forkedChoicesShareThePromptsFullBlocks() {
        KvBlockAllocator allocator = new KvBlockAllocator(32, 4);
        Scheduler scheduler = new Scheduler(allocator, new SchedulerLimits(64, 8, false));
        SequenceGroup group = group("a", SchedulingClass.DEFAULT, 10, 3);
        scheduler.enqueue(group);
        StepPlan plan = scheduler.schedule();
        scheduler.complete(plan);
        List<Sequence> choices = scheduler.fork(plan.sequences().getFirst());

        assertThat(choices).extracting(Sequence::choice).containsExactly(0, 1, 2);
        assertThat(allocator.referencedBlocks()).as("3 prompt blocks, the 2 full ones shared").isEqualTo(3);
        choices.forEach(choice -> choice.append(5));
        StepPlan next = scheduler.schedule();
        assertThat(next.batch().slices()).extracting(s -> s.tokenIds().length).containsExactly(1, 3, 3);
        scheduler.complete(next);
        choices.forEach(scheduler::finish);
        assertThat(allocator.referencedBlocks()).isZero();
        assertThat(allocator.availableBlocks()).isEqualTo(32);
    }

    @Test
    void onlyNeverAdmittedRequestsExpire() {
        Scheduler scheduler = new Scheduler(new KvBlockAllocator(32, 4), new SchedulerLimits(64, 1, false));
        SequenceGroup running = group("a", 4);
        SequenceGroup waiting = group("a", 4);
        scheduler.enqueue(running);
        scheduler.enqueue(waiting);
        scheduler.schedule();
        assertThat(scheduler.expireWaiting(System.nanoTime() + 1)).containsExactly(waiting);
        assertThat(scheduler.waitingRequests()).isZero();
        assertThat(scheduler.runningSequences()).isEqualTo(1);
    }
}
