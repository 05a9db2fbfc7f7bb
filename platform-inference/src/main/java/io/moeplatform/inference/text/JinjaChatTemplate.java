package io.moeplatform.inference.text;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.tree.Node;
import io.moeplatform.inference.ChatMessage;
import io.moeplatform.inference.text.jinja.PythonStringMethods;
import io.moeplatform.inference.text.jinja.PythonSyntax;
import io.moeplatform.inference.text.jinja.TemplateFunctions;
import io.moeplatform.inference.text.jinja.TemplateRaisedException;
import io.moeplatform.inference.text.jinja.TojsonFilter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;

/**
 * A Hugging Face chat template rendered with Jinjava the way transformers renders
 * it with jinja2: {@code trim_blocks} and {@code lstrip_blocks} on, the trailing
 * newline of the template dropped ({@code keep_trailing_newline=False}),
 * {@code break}/{@code continue}, {@code raise_exception}, {@code strftime_now}
 * and a Python {@code tojson}.
 *
 * <p>
 * Where Jinjava differs from jinja2 we add what the templates need:
 * Python string methods ({@link PythonStringMethods}), extended slices such as
 * {@code messages[::-1]} (rewritten into a function call by
 * {@code PythonSyntax}), and Jinjava's own {@code namespace},
 * {@code is string}, {@code is mapping}, {@code is none}, {@code is defined}.
 * Jinjava's legacy operator precedence is kept: like jinja2 it reads
 * {@code not x is defined} as {@code not (x is defined)} (the "natural" option
 * does not), and {@code messages|length - 1} as {@code (messages|length) - 1}.
 * Keyword arguments are parenthesised by {@code PythonSyntax}.
 * Jinjava already provides, and we rely on: dict {@code items()}, {@code keys()},
 * {@code get(k, default)}, list {@code append} with {@code do}, macros with
 * defaults and keyword arguments, {@code selectattr}/{@code map}/{@code join},
 * {@code //}, {@code **}, {@code ~}. Differences we do not paper over: printing
 * a boolean gives {@code true} (Python {@code True}) and none prints nothing
 * (Python {@code None}); {@code call} blocks are untried. Nested interpretation is
 * off, so text inside messages is never run as template code.
 */
public final class JinjaChatTemplate implements ChatTemplate {

    private static final JinjavaConfig CONFIG = newConfig();
    private static final Jinjava JINJAVA = newJinjava();

    /** Parsed once: parsing costs about as much as rendering, and syntax errors surface at load time. */
    private final Node root;
    private final Map<String, Object> specialTokens;

    /**
     * @param template
     *            the Jinja source, e.g. tokenizer_config.json's {@code chat_template}
     * @param specialTokens
     *            variables such as {@code bos_token} and {@code eos_token}, as
     *            strings
     */
    public JinjaChatTemplate(String template, Map<String, String> specialTokens) {
        // jinja2's keep_trailing_newline=False: a single trailing newline of the source is not output.
        String source = template.endsWith("\n") ? template.substring(0, template.length() - 1) : template;
        var parser = JINJAVA.newInterpreter();
        this.root = parser.parse(PythonSyntax.rewrite(source));
        for (TemplateError error : parser.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new IllegalArgumentException("chat template does not parse, line " + error.getLineno() + ": "
                        + error.getMessage());
            }
        }
        this.specialTokens = Map.copyOf(specialTokens);
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * Renders with extra template variables, as transformers' keyword arguments
     * ({@code enable_thinking}, {@code tools}, ...).
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> kwargs) {
        List<Map<String, Object>> maps = messages.stream().map(m -> {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            return map;
        }).toList();
        return renderMessages(maps, addGenerationPrompt, kwargs);
    }

    /**
     * Renders messages given as maps, for fields beyond role and content
     * ({@code tool_calls}, {@code reasoning_content}).
     */
    public String renderMessages(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt,
            Map<String, ?> kwargs) {
        Map<String, Object> context = new HashMap<>(specialTokens);
        context.putAll(kwargs);
        context.put("messages", messages);
        context.put("add_generation_prompt", addGenerationPrompt);
        var interpreter = new JinjavaInterpreter(JINJAVA,
                new Context(JINJAVA.getGlobalContextCopy(), context, CONFIG.getDisabled()), CONFIG);
        String output;
        List<TemplateError> errors;
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            output = interpreter.render(root);
            errors = interpreter.getErrorsCopy();
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        for (TemplateError error : errors) {
            Throwable raised = raisedBy(error);
            if (raised != null) {
                throw new IllegalArgumentException("the chat template rejected the messages: " + raised.getMessage());
            }
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new IllegalStateException("chat template failed at line " + error.getLineno() + ": "
                        + error.getMessage());
            }
        }
        return output;
    }

    private static Throwable raisedBy(TemplateError error) {
        for (Throwable t = error.getException(); t != null; t = t.getCause()) {
            if (t instanceof TemplateRaisedException) {
                return t;
            }
        }
        if (error.getMessage() != null && error.getMessage().contains(TemplateRaisedException.class.getName())) {
            return new TemplateRaisedException(error.getMessage());
        }
        return null;
    }

    private static JinjavaConfig newConfig() {
        var resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        // Nested interpretation would render "{{ ... }}" found inside variables: user messages would run as
        // template code (template injection). jinja2 never does that.
        return JinjavaConfig.newBuilder().withNestedInterpretationEnabled(false).withTrimBlocks(true)
                .withLstripBlocks(true).withElResolver(resolver)
                .withLegacyOverrides(LegacyOverrides.newBuilder().withUsePyishObjectMapper(true)
                        .withKeepNullableLoopValues(true).withUseNaturalOperatorPrecedence(false)
                        .withParseWhitespaceControlStrictly(true).withUseTrimmingForNotesAndExpressions(true).build())
                .build();
    }

    private static Jinjava newJinjava() {
        var jinjava = new Jinjava(CONFIG);
        jinjava.registerFilter(new TojsonFilter());
        jinjava.registerFunction(new ELFunctionDefinition("", "raise_exception", TemplateFunctions.class,
                "raiseException", Object.class));
        jinjava.registerFunction(
                new ELFunctionDefinition("", "strftime_now", TemplateFunctions.class, "strftimeNow", String.class));
        jinjava.registerFunction(new ELFunctionDefinition("", "__py_slice", TemplateFunctions.class, "slice",
                Object.class, Object.class, Object.class, Object.class));
        return jinjava;
    }
}
