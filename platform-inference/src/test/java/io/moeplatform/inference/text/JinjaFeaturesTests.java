package io.moeplatform.inference.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moeplatform.inference.ChatMessage;
import java.time.Year;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * jinja2 behaviour chat templates rely on, each expected output as Python's
 * jinja2 (trim_blocks, lstrip_blocks) renders it.
 */
class JinjaFeaturesTests {

    private static final List<ChatMessage> CHAT = List.of(new ChatMessage("system", "sys"),
            new ChatMessage("user", "  hi there  "), new ChatMessage("assistant", "<think>\nplan\n</think>\n\nanswer"));

    private static String render(String template) {
        return render(template, Map.of());
    }

    private static String render(String template, Map<String, ?> kwargs) {
        return new JinjaChatTemplate(template, Map.of("eos_token", "</s>")).render(CHAT, true, kwargs);
    }

    @Test
    void extendedSlicesWithStep() {
        assertThat(render("{% for m in messages[::-1] %}{{ m.role }},{% endfor %}")).isEqualTo(
                "assistant,user,system,");
        assertThat(render("{{ 'abcdef'[::-2] }}|{{ 'abcdef'[1::2] }}|{{ messages[-2:][0].role }}")).isEqualTo(
                "fdb|bdf|user");
        assertThat(render("{{ (messages[::-1]|first).role }}")).isEqualTo("assistant");
        // only syntax is rewritten, never string literals
        assertThat(render("{{ '[::-1]' }} {{ 'k=v'.replace('k=v', 'x[1:2:3]') }}")).isEqualTo("[::-1] x[1:2:3]");
    }

    @Test
    void pythonStringMethods() {
        assertThat(render("{{ messages[1].content.strip() }}|{{ messages[1].content.lstrip() }}|"
                + "{{ messages[1].content.rstrip() }}|")).isEqualTo("hi there|hi there  |  hi there|");
        assertThat(render("{{ 'xxhixx'.strip('x') }} {{ 'a,b,,c'.split(',')|length }} {{ ' a  b '.split()|length }}"))
                .isEqualTo("hi 4 2");
        assertThat(render("{{ messages[2].content.split('</think>')[-1].lstrip('\\n') }}|"
                + "{{ messages[2].content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}"))
                .isEqualTo("answer|plan");
        assertThat(render("{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith('bc') }}{{ 'abc'.startswith('b') }}"))
                .isEqualTo("truetruefalse");
        assertThat(render(
                "{{ 'a-b-c'.rsplit('-', 1)[0] }} {{ 'Hi'.upper() }}{{ 'Hi'.lower() }} {{ 'ab'.replace('b', 'c') }}"))
                .isEqualTo("a-b HIhi ac");
    }

    @Test
    void namespaceWithExpressionArguments() {
        assertThat(render("{% set ns = namespace(last=messages|length - 1, seen=false) %}"
                + "{% for m in messages %}{% if m.role == 'user' %}{% set ns.seen = true %}{% endif %}{% endfor %}"
                + "{{ ns.last }} {{ ns.seen }}")).isEqualTo("2 true");
    }

    @Test
    void testsAndPrecedenceAsInJinja2() {
        assertThat(render("{{ not add_generation_prompt is defined }} {{ not nothing is defined }} "
                + "{{ messages[0].content is string }} {{ messages[0] is mapping }} {{ messages[0].tool_calls is none }}"))
                .isEqualTo("false true true true true");
        assertThat(render("{% if enable_thinking is defined and enable_thinking is false %}off{% endif %}",
                Map.of("enable_thinking", false))).isEqualTo("off");
    }

    @Test
    void tojsonIsPythonJsonDumps() {
        assertThat(render("{{ {'name': 'f', 'args': [1, 'é\"', none, true]} | tojson }}"))
                .isEqualTo("{\"name\": \"f\", \"args\": [1, \"é\\\"\", null, true]}");
        assertThat(render("{{ {'a': [1]} | tojson(indent=2) }}")).isEqualTo("{\n  \"a\": [\n    1\n  ]\n}");
    }

    @Test
    void whitespaceControlAndTrailingNewline() {
        assertThat(render(
                "{%- for m in messages %}\n    {{- m.role }}\n    {% if loop.last %}\n!{% endif %}\n{% endfor %}\n"))
                .isEqualTo("system\nuser\nassistant\n!");
        assertThat(render("a\n")).isEqualTo("a");
        assertThat(render("a\n\n")).isEqualTo("a\n");
    }

    @Test
    void loopControls() {
        assertThat(render("{% for m in messages %}{% if loop.first %}{% continue %}{% endif %}"
                + "{% if m.role == 'assistant' %}{% break %}{% endif %}{{ m.role }}{% endfor %}")).isEqualTo("user");
    }

    @Test
    void raiseExceptionRejectsTheConversation() {
        assertThatThrownBy(() -> render("{% if messages[0].role == 'system' %}"
                + "{{ raise_exception('System role not supported') }}{% endif %}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("System role not supported");
    }

    @Test
    void strftimeNowAndSpecialTokens() {
        assertThat(render("{{ strftime_now('%Y') }} {{ eos_token }}")).isEqualTo(Year.now() + " </s>");
    }

    @Test
    void rejectsATemplateThatDoesNotParseWhenLoaded() {
        assertThatThrownBy(() -> new JinjaChatTemplate("{% for m in messages %}{{ m.role }", Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not parse");
    }

    @Test
    void oneTemplateRendersConcurrentlyWithoutMixingConversations() throws Exception {
        var template = new JinjaChatTemplate("{% for m in messages %}{{ m.role }}:{{ m.content }};{% endfor %}",
                Map.of());
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            var results = new java.util.ArrayList<java.util.concurrent.Future<Boolean>>();
            for (int i = 0; i < 200; i++) {
                String content = "message " + i;
                results.add(pool.submit(() -> template.render(List.of(new ChatMessage("user", content)), false)
                        .equals("user:" + content + ";")));
            }
            for (var result : results) {
                assertThat(result.get()).isTrue();
            }
        }
    }

    @Test
    void messageContentIsNeverInterpretedAsTemplateCode() {
        var template = new JinjaChatTemplate("{{ messages[0].content }}|{{ '<' + messages[0].content + '>' }}",
                Map.of());
        String content = "{{ 7 * 7 }} {% if true %}x{% endif %} {# c #} {{ raise_exception('no') }}";
        assertThat(template.render(List.of(new ChatMessage("user", content)), false))
                .isEqualTo(content + "|<" + content + ">");
    }
}
