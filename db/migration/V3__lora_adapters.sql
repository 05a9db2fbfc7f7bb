-- LoRA adapters: one row per stored version of the PEFT weights of a catalog adapter of kind LORA. The files live
-- under platform.adapters.lora.dir/<tenant id>/<adapter id>/<version>/ (adapter_config.json and
-- adapter_model.safetensors); this row is what the engine found in them when the upload was validated.
-- Portable SQL (PostgreSQL and H2 in MODE=PostgreSQL), as V1 and V2.

-- The newest version of an adapter serves; the one before it is kept (rows and files) until the next upload, so a
-- replica that resolved it just before a new upload can still load it. target_modules is a comma-separated list in
-- the engine's order (q_proj,k_proj,...). size_bytes counts both files; loaded_bytes is the fp32 memory the engine
-- needs once loaded; weights_sha256 is the hex SHA-256 of adapter_model.safetensors.
CREATE TABLE lora_adapter (
    id UUID PRIMARY KEY,
    adapter_id UUID NOT NULL REFERENCES adapter (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    base_model VARCHAR(200) NOT NULL,
    lora_rank INTEGER NOT NULL,
    lora_alpha DOUBLE PRECISION NOT NULL,
    use_rslora BOOLEAN NOT NULL,
    target_modules VARCHAR(500) NOT NULL,
    adapted_projections INTEGER NOT NULL,
    size_bytes BIGINT NOT NULL,
    loaded_bytes BIGINT NOT NULL,
    weights_sha256 VARCHAR(64) NOT NULL,
    created_by VARCHAR(100) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT uq_lora_adapter_version UNIQUE (adapter_id, version)
);
