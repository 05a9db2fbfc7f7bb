package io.moeplatform.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringMatcherTests {

    @Test
    void holdsBackTextThatMayStartAStopStringAndCutsBeforeIt() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("END"));
        assertThat(matcher.push("hello E")).isEqualTo("hello ");
        assertThat(matcher.push("N")).isEmpty();
        assertThat(matcher.push("Dtail")).isEmpty();
        assertThat(matcher.stopped()).isTrue();
    }

    @Test
    void releasesHeldTextWhenItTurnsOutNotToBeAStopString() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("END"));
        assertThat(matcher.push("E")).isEmpty();
        assertThat(matcher.push("x")).isEqualTo("Ex");
        assertThat(matcher.push("EN")).isEmpty();
        assertThat(matcher.flush()).isEqualTo("EN");
        assertThat(matcher.stopped()).isFalse();
    }

    @Test
    void earliestOfSeveralStopStringsWins() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("zz", "b"));
        assertThat(matcher.push("a b zz")).isEqualTo("a ");
    }

    @Test
    void withoutStopStringsEverythingPassesThrough() {
        StopStringMatcher matcher = new StopStringMatcher(List.of());
        assertThat(matcher.push("abc")).isEqualTo("abc");
        assertThat(matcher.flush()).isEmpty();
    }
}
