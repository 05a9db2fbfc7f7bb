package io.moeplatform.admin.system;

import io.moeplatform.core.user.ConsoleUserService;
import jakarta.validation.Valid;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.validation.BindingResult;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Changing one's own password, which needs the current one.
 */
@Controller
class PasswordController {

    private final ConsoleUserService users;
    private final ConsoleAccess access;
    private final CurrentPasswordCheck passwordCheck;

    PasswordController(ConsoleUserService users, ConsoleAccess access, CurrentPasswordCheck passwordCheck) {
        this.users = users;
        this.access = access;
        this.passwordCheck = passwordCheck;
    }

    @GetMapping("/admin/password")
    String form(Model model) {
        model.addAttribute("form", PasswordForm.empty());
        return "console/password";
    }

    @PostMapping("/admin/password")
    String change(@Valid @ModelAttribute("form") PasswordForm form, BindingResult result, RedirectAttributes redirect) {
        if (!result.hasFieldErrors("confirmPassword") && !form.newPassword().equals(form.confirmPassword())) {
            result.rejectValue("confirmPassword", "password.mismatch");
        }
        if (!result.hasFieldErrors("currentPassword")
                && !passwordCheck.matches(access.actor(), form.currentPassword())) {
            result.rejectValue("currentPassword", "password.wrong");
        }
        if (result.hasErrors()) {
            return "console/password";
        }
        users.changePassword(access.actor(), form.newPassword(), access.actor());
        redirect.addFlashAttribute("notice", "password.changed");
        return "redirect:/admin";
    }
}
