package io.moeplatform.admin.adapter;

import io.moeplatform.adapters.catalog.AdapterKind;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.jspecify.annotations.Nullable;

/** A new adapter: its name (the catalog's rule), kind, and optionally the one served model it is made for. */
public class AdapterForm {

    @Pattern(regexp = "[a-z0-9][a-z0-9._-]{0,62}")
    private String name = "";
    @NotNull
    private AdapterKind kind = AdapterKind.KNOWLEDGE_GRAPH;
    /** Empty: fits any served model. */
    private String baseModel = "";

    public String getName() {
        return name;
    }

    public void setName(@Nullable String name) {
        this.name = name == null ? "" : name.strip();
    }

    public AdapterKind getKind() {
        return kind;
    }

    public void setKind(AdapterKind kind) {
        this.kind = kind;
    }

    public String getBaseModel() {
        return baseModel;
    }

    public void setBaseModel(@Nullable String baseModel) {
        this.baseModel = baseModel == null ? "" : baseModel.strip();
    }
}
