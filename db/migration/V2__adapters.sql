-- Adapters: the catalog shared by knowledge-graph and LoRA adapters, each tenant's default adapter, and the
-- versioned knowledge graphs. Portable SQL (PostgreSQL and H2 in MODE=PostgreSQL), as V1.

-- One adapter of a tenant. kind is KNOWLEDGE_GRAPH or LORA; kind-specific data lives in its own tables that
-- reference adapter(id) (kg_version here, lora_adapter in a later migration).
CREATE TABLE adapter (
    id UUID PRIMARY KEY,
    tenant_id UUID NOT NULL REFERENCES tenant (id),
    name VARCHAR(63) NOT NULL,
    kind VARCHAR(20) NOT NULL,
    -- served model the adapter is made for; NULL means any model
    base_model VARCHAR(200),
    enabled BOOLEAN NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT uq_adapter_tenant_name UNIQUE (tenant_id, name)
);

-- At most one default adapter per tenant (a table, because H2 has no partial unique indexes).
CREATE TABLE tenant_default_adapter (
    tenant_id UUID PRIMARY KEY REFERENCES tenant (id),
    adapter_id UUID NOT NULL REFERENCES adapter (id) ON DELETE CASCADE,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL
);

-- One import of a knowledge graph. status: IMPORTING, READY (the newest READY version serves), FAILED,
-- RETIRED (superseded; its rows are deleted). version counts up per adapter.
CREATE TABLE kg_version (
    id UUID PRIMARY KEY,
    adapter_id UUID NOT NULL REFERENCES adapter (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    status VARCHAR(20) NOT NULL,
    source_format VARCHAR(20) NOT NULL,
    entity_count INTEGER NOT NULL,
    relation_count INTEGER NOT NULL,
    error VARCHAR(4000),
    created_by VARCHAR(100) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    finished_at TIMESTAMP WITH TIME ZONE,
    CONSTRAINT uq_kg_version UNIQUE (adapter_id, version)
);

-- Entities of one version. aliases (JSON array of strings) and attributes (JSON object) are text, as in V1.
CREATE TABLE kg_entity (
    version_id UUID NOT NULL REFERENCES kg_version (id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    entity_key VARCHAR(500) NOT NULL,
    name VARCHAR(500) NOT NULL,
    entity_type VARCHAR(200),
    aliases VARCHAR(8000) NOT NULL,
    attributes VARCHAR(8000) NOT NULL,
    PRIMARY KEY (version_id, ordinal),
    CONSTRAINT uq_kg_entity_key UNIQUE (version_id, entity_key)
);

-- Directed, typed relations between entities of the same version, by ordinal.
CREATE TABLE kg_relation (
    version_id UUID NOT NULL REFERENCES kg_version (id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    source_ordinal INTEGER NOT NULL,
    target_ordinal INTEGER NOT NULL,
    relation_type VARCHAR(200) NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    attributes VARCHAR(8000) NOT NULL,
    PRIMARY KEY (version_id, ordinal)
);
