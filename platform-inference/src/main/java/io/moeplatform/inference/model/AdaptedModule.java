package io.moeplatform.inference.model;

/**
 * The projections a LoRA adapter may adapt, by their PEFT module names. In a dense layer the MLP modules are the
 * layer's MLP; in an MoE layer they are its shared expert (routed experts are not adaptable).
 */
public enum AdaptedModule {
    Q_PROJ("q_proj", false), K_PROJ("k_proj", false), V_PROJ("v_proj", false), O_PROJ("o_proj",
            false), GATE_PROJ("gate_proj", true), UP_PROJ("up_proj", true), DOWN_PROJ("down_proj", true);

    private final String peftName;
    private final boolean mlp;

    AdaptedModule(String peftName, boolean mlp) {
        this.peftName = peftName;
        this.mlp = mlp;
    }

    /** The module name in PEFT's {@code target_modules} and tensor names, e.g. {@code q_proj}. */
    public String peftName() {
        return peftName;
    }

    /** Whether the module belongs to the feed-forward block (dense MLP or shared expert). */
    public boolean mlp() {
        return mlp;
    }

    /** The module with that PEFT name, or null. */
    public static AdaptedModule ofPeftName(String name) {
        for (AdaptedModule m : values()) {
            if (m.peftName.equals(name)) {
                return m;
            }
        }
        return null;
    }
}
