package io.moeplatform.adapters.kg.importing;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One entity as a source file describes it.
 *
 * @param key the entity's id in the file, unique within one graph; relations refer to it
 * @param aliases other names the entity is mentioned by
 * @param attributes scalar facts about the entity, values as text, in the file's order
 */
public record GraphEntity(String key, String name, List<String> aliases, @Nullable String type,
        Map<String, String> attributes) {}
