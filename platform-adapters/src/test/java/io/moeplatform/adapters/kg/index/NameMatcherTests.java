package io.moeplatform.adapters.kg.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class NameMatcherTests {

    private static List<String> found(List<String> names, String text) {
        var normalized = names.stream().map(TextNormalizer::normalize).toList();
        String normalizedText = TextNormalizer.normalize(text);
        return new NameMatcher(normalized).find(normalizedText).stream()
                .map(m -> normalizedText.substring(m.start(), m.end())).toList();
    }

    @Test
    void findsChineseNamesInTextWithoutSpaces() {
        assertThat(found(List.of("招商银行", "信用卡", "逾期"), "我想了解招商银行的信用卡逾期怎么处理"))
                .containsExactly("招商银行", "信用卡", "逾期");
    }

    @Test
    void longestMatchWinsOnOverlaps() {
        assertThat(found(List.of("银行", "招商银行", "招商"), "招商银行信用卡")).containsExactly("招商银行");
        assertThat(found(List.of("new york", "york", "new york city"), "I live in New York City."))
                .containsExactly("new york city");
    }

    @Test
    void latinNamesMatchOnlyWholeWords() {
        assertThat(found(List.of("cmb", "card"), "CMBC cards are not CMB cards; card")).containsExactly("cmb",
                "card");
        // a Latin name right next to Chinese text is a whole word
        assertThat(found(List.of("cmb"), "CMB信用卡")).containsExactly("cmb");
    }

    @Test
    void foldsCaseAndFullWidthForms() {
        assertThat(found(List.of("PBOC", "ＡＢＣ银行"), "ｐｂｏｃ 和 abc银行")).containsExactly("pboc", "abc银行");
        assertThat(TextNormalizer.normalize("  Ｃｒｅｄｉｔ\u3000Card  ")).isEqualTo("credit card");
    }

    @Test
    void reportsEveryOccurrenceAndSharedSuffixesThroughFailureLinks() {
        assertThat(found(List.of("he", "she", "his", "hers"), "ushers and his shes")).containsExactly("his");
        assertThat(found(List.of("abcd", "bc", "c"), "x abce x")).isEmpty();
        assertThat(found(List.of("信用", "用卡"), "信用卡")).containsExactly("信用");
        assertThat(found(List.of("卡"), "卡卡卡")).hasSize(3);
    }

    @Test
    void handlesManyPatterns() {
        var names = IntStream.range(0, 5000).mapToObj(i -> "entity " + i).toList();
        assertThat(found(names, "about entity 42 and entity 4999, not entity 50000"))
                .containsExactly("entity 42", "entity 4999");
    }
}
