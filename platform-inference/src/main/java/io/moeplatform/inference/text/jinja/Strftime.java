package io.moeplatform.inference.text.jinja;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/** Python's {@code strftime} directives that chat templates use (C locale). */
final class Strftime {

    private Strftime() {}

    static String format(ZonedDateTime time, String format) {
        var out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char directive = format.charAt(++i);
            out.append(switch (directive) {
                case 'Y' -> String.valueOf(time.getYear());
                case 'y' -> two(time.getYear() % 100);
                case 'm' -> two(time.getMonthValue());
                case 'd' -> two(time.getDayOfMonth());
                case '-' -> i + 1 < format.length() ? unpadded(time, format.charAt(++i)) : "%-";
                case 'H' -> two(time.getHour());
                case 'I' -> two(time.getHour() % 12 == 0 ? 12 : time.getHour() % 12);
                case 'M' -> two(time.getMinute());
                case 'S' -> two(time.getSecond());
                case 'p' -> time.getHour() < 12 ? "AM" : "PM";
                case 'b' -> time.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'B' -> time.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'a' -> time.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'A' -> time.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'j' -> String.format(Locale.ROOT, "%03d", time.getDayOfYear());
                case '%' -> "%";
                default -> "%" + directive;
            });
        }
        return out.toString();
    }

    /** glibc's {@code %-d}, {@code %-m}, {@code %-H}...: without zero padding. */
    private static String unpadded(ZonedDateTime time, char directive) {
        return switch (directive) {
            case 'd' -> String.valueOf(time.getDayOfMonth());
            case 'm' -> String.valueOf(time.getMonthValue());
            case 'H' -> String.valueOf(time.getHour());
            case 'M' -> String.valueOf(time.getMinute());
            case 'S' -> String.valueOf(time.getSecond());
            default -> "%-" + directive;
        };
    }

    private static String two(int value) {
        return value < 10 ? "0" + value : String.valueOf(value);
    }
}
