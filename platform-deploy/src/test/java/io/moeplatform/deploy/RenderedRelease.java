package io.moeplatform.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The chart rendered by the Helm library (as {@code helm template} does, hooks included) and parsed into the
 * fabric8 Kubernetes model. Parsing is strict: a field the Kubernetes API does not define (a typo, a wrong
 * indentation) lands in fabric8's {@code additionalProperties} and fails the parse here.
 */
record RenderedRelease(String releaseName, String namespace, List<HasMetadata> objects) {

    static final String RELEASE = "llm";
    static final String NAMESPACE = "ai";
    /** The Kubernetes version rendered for (the library's default, 1.20, predates the chart's minimum). */
    static final String KUBE_VERSION = "v1.31.0";
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /** Renders the chart with the given values files (none: the chart's defaults) and {@code --set} pairs. */
    static RenderedRelease render(List<Path> valuesFiles, Map<String, Object> set) {
        var template = new Helm(Repository.CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        valuesFiles.forEach(template::withValuesFile);
        set.forEach(template::set);
        return parse(template.call());
    }

    static RenderedRelease render(Path valuesFile) {
        return render(List.of(valuesFile), Map.of());
    }

    static RenderedRelease parse(String manifests) {
        var objects = new ArrayList<HasMetadata>();
        for (String document : manifests.split("(?m)^---\\s*$")) {
            if (document.lines().allMatch(line -> line.isBlank() || line.startsWith("#"))) {
                continue;
            }
            HasMetadata object = SERIALIZATION.unmarshal(document);
            assertThat(object).as("not a Kubernetes object:%n%s", document).isNotNull();
            assertNoUnknownFields(object, object.getKind() + " " + object.getMetadata().getName());
            objects.add(object);
        }
        return new RenderedRelease(RELEASE, NAMESPACE, List.copyOf(objects));
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> type) {
        var found = all(type);
        assertThat(found).as("exactly one %s", type.getSimpleName()).hasSize(1);
        return found.getFirst();
    }

    <T extends HasMetadata> Optional<T> named(Class<T> type, String name) {
        return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }

    /** Custom resources (ServiceMonitor, PrometheusRule, ScaledObject) by kind. */
    List<GenericKubernetesResource> custom(String kind) {
        return all(GenericKubernetesResource.class).stream().filter(o -> o.getKind().equals(kind)).toList();
    }

    /**
     * Walks the typed object graph: every fabric8 model object must have no additional properties, i.e. every
     * rendered field is one the API type defines. Custom resources have no typed model and are checked by the tests.
     */
    private static void assertNoUnknownFields(Object root, String where) {
        walk(root, where, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private static void walk(Object node, String path, Set<Object> seen) {
        if (node == null || !seen.add(node)) {
            return;
        }
        if (node instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                walk(item, path + "[" + i++ + "]", seen);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> walk(value, path + "." + key, seen));
            return;
        }
        if (!node.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")
                || node instanceof GenericKubernetesResource) {
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || getter.getDeclaringClass() == Object.class || !getter.getName().startsWith("get")) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(node);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                assertThat((Map<?, ?>) value).as("fields that %s does not define, at %s",
                        node.getClass().getSimpleName(), path).isNullOrEmpty();
            } else if (value instanceof KubernetesResource || value instanceof Collection<?>
                    || value instanceof Map<?, ?>) {
                walk(value, path + "." + propertyName(getter), seen);
            }
        }
    }

    private static String propertyName(Method getter) {
        String name = getter.getName().substring(3);
        return Character.toLowerCase(name.charAt(0)) + name.substring(1);
    }
}
