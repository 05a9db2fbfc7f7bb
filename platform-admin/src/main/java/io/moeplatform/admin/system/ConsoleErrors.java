package io.moeplatform.admin.system;

import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Errors in console pages become the console's error page: a message and, for our own faults, a reference that
 * is in the log next to the stack trace. Users never see a stack trace.
 */
@ControllerAdvice(basePackages = "io.moeplatform.admin")
class ConsoleErrors {

    private static final Logger log = LoggerFactory.getLogger(ConsoleErrors.class);

    @ExceptionHandler(AccessDeniedException.class)
    @ResponseStatus(HttpStatus.FORBIDDEN)
    String denied() {
        return "console/denied";
    }

    /** Unknown ids and malformed path values: the thing asked for does not exist. */
    @ExceptionHandler({NotFoundException.class, MethodArgumentTypeMismatchException.class,
            NoResourceFoundException.class})
    @ResponseStatus(HttpStatus.NOT_FOUND)
    String notFound(Model model) {
        model.addAttribute("errorKey", "error.notFound");
        return "console/error";
    }

    @ExceptionHandler(Exception.class)
    @ResponseStatus(HttpStatus.INTERNAL_SERVER_ERROR)
    String failed(Exception e, Model model) {
        var reference = UUID.randomUUID().toString().substring(0, 8);
        log.error("Console request failed (reference {})", reference, e);
        model.addAttribute("errorKey", "error.internal");
        model.addAttribute("reference", reference);
        return "console/error";
    }
}
