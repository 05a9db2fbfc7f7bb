package io.moeplatform.adapters.kg.importing;

import java.util.Map;

/**
 * One directed relation as a source file describes it.
 *
 * @param source key of the source entity
 * @param target key of the target entity
 * @param weight importance for ranking, 1 when the file gives none
 */
public record GraphRelation(String source, String target, String type, double weight,
        Map<String, String> attributes) {}
