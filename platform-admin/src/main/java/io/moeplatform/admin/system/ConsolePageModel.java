package io.moeplatform.admin.system;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/** Model attributes every console page's layout uses. */
@ControllerAdvice(basePackages = "io.moeplatform.admin")
class ConsolePageModel {

    /** The page's own path, for the language links (which reload it with {@code ?lang=}). */
    @ModelAttribute("currentPath")
    String currentPath(HttpServletRequest request) {
        return request.getRequestURI().substring(request.getContextPath().length());
    }
}
