package io.moeplatform.inference.cuda;

/**
 * Where {@code moe_align} puts a step's grouping of (token, choice) slots by expert, all int32 in device memory:
 * {@code rowToken} and {@code slotRow} [slots], the per-group {@code groupExpert}, {@code groupStart},
 * {@code groupCount} [experts] and {@code groupTotal} [1], the number of groups (active experts).
 */
record MoeLayout(DeviceSlice rowToken, DeviceSlice slotRow, DeviceSlice groupExpert, DeviceSlice groupStart,
        DeviceSlice groupCount, DeviceSlice groupTotal) {

    /** Ints of a layout for {@code slots} slots and {@code experts} experts. */
    static long ints(long slots, int experts) {
        return 2 * slots + 3L * experts + 1;
    }

    /** Carves a layout out of {@code memory} (at least {@link #ints} ints). */
    static MoeLayout in(DeviceMemory memory, long slots, int experts) {
        DeviceMemory all = memory;
        long at = 0;
        DeviceSlice rowToken = all.slice(at, slots * 4);
        at += slots * 4;
        DeviceSlice slotRow = all.slice(at, slots * 4);
        at += slots * 4;
        DeviceSlice groupExpert = all.slice(at, experts * 4L);
        at += experts * 4L;
        DeviceSlice groupStart = all.slice(at, experts * 4L);
        at += experts * 4L;
        DeviceSlice groupCount = all.slice(at, experts * 4L);
        at += experts * 4L;
        return new MoeLayout(rowToken, slotRow, groupExpert, groupStart, groupCount, all.slice(at, 4));
    }
}
