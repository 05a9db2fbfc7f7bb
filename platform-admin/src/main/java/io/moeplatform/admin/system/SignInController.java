package io.moeplatform.admin.system;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;

/** The sign-in page (Spring Security processes the form) and the page shown when a role does not allow a page. */
@Controller
class SignInController {

    @GetMapping("/admin/login")
    String signIn() {
        return "console/login";
    }

    /** Any method: Spring Security forwards the refused request here as it came (a POST stays a POST). */
    @RequestMapping("/admin/denied")
    @ResponseStatus(HttpStatus.FORBIDDEN)
    String denied() {
        return "console/denied";
    }
}
