package io.moeplatform.admin.user;

import io.moeplatform.admin.system.ConsoleAccess;
import io.moeplatform.admin.system.NotFoundException;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.tenant.TenantView;
import io.moeplatform.core.user.ConsoleRole;
import io.moeplatform.core.user.ConsoleUser;
import io.moeplatform.core.user.ConsoleUserService;
import jakarta.validation.Valid;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.validation.BindingResult;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Console users (platform admin only, enforced by the security chain): list with role, tenant, state and lockout;
 * create; enable/disable; reset a password; end a lockout; delete. The signed-in admin cannot disable or delete
 * itself, so the platform never loses its last way in through a slip. The user service audits every change.
 */
@Controller
class ConsoleUserController {

    private final ConsoleUserService users;
    private final TenantService tenants;
    private final ConsoleAccess access;
    private final Clock clock;

    ConsoleUserController(ConsoleUserService users, TenantService tenants, ConsoleAccess access, Clock clock) {
        this.users = users;
        this.tenants = tenants;
        this.access = access;
        this.clock = clock;
    }

    @GetMapping("/admin/users")
    String list(Model model) {
        show(new NewUserForm(), model);
        return "console/users/list";
    }

    @PostMapping("/admin/users")
    String create(@Valid @ModelAttribute("userForm") NewUserForm form, BindingResult result, Model model,
            RedirectAttributes redirect) {
        if (form.getRole().tenantBound() && form.getTenantId() == null) {
            result.rejectValue("tenantId", "users.tenantRequired");
        }
        if (!form.getRole().tenantBound() && form.getTenantId() != null) {
            result.rejectValue("tenantId", "users.noTenantForPlatformAdmin");
        }
        if (form.getTenantId() != null && tenants.find(form.getTenantId()).isEmpty()) {
            result.rejectValue("tenantId", "users.unknownTenant");
        }
        if (!result.hasFieldErrors("name") && users.find(form.getName()).isPresent()) {
            result.rejectValue("name", "users.nameTaken");
        }
        if (result.hasErrors()) {
            show(form, model);
            return "console/users/list";
        }
        users.create(form.getName(), form.getNewPassword(), form.getRole(), form.getTenantId(), access.actor());
        redirect.addFlashAttribute("notice", "users.createdNotice");
        return "redirect:/admin/users";
    }

    @PostMapping("/admin/users/{name}/enable")
    String enable(@PathVariable String name, RedirectAttributes redirect) {
        users.setEnabled(existing(name).username(), true, access.actor());
        redirect.addFlashAttribute("notice", "users.enabledNotice");
        return "redirect:/admin/users";
    }

    @PostMapping("/admin/users/{name}/disable")
    String disable(@PathVariable String name, RedirectAttributes redirect) {
        var user = existing(name);
        if (isMe(user)) {
            redirect.addFlashAttribute("notice", "users.notYourself");
        } else {
            users.setEnabled(user.username(), false, access.actor());
            redirect.addFlashAttribute("notice", "users.disabledNotice");
        }
        return "redirect:/admin/users";
    }

    @PostMapping("/admin/users/{name}/unlock")
    String unlock(@PathVariable String name, RedirectAttributes redirect) {
        users.unlock(existing(name).username(), access.actor());
        redirect.addFlashAttribute("notice", "users.unlockedNotice");
        return "redirect:/admin/users";
    }

    @PostMapping("/admin/users/{name}/delete")
    String delete(@PathVariable String name, RedirectAttributes redirect) {
        var user = existing(name);
        if (isMe(user)) {
            redirect.addFlashAttribute("notice", "users.notYourself");
        } else {
            users.delete(user.username(), access.actor());
            redirect.addFlashAttribute("notice", "users.deletedNotice");
        }
        return "redirect:/admin/users";
    }

    /** Sets a new password chosen by the admin (e.g. for a user who forgot theirs); it also ends a lockout. */
    @PostMapping("/admin/users/{name}/password")
    String resetPassword(@PathVariable String name, @RequestParam(defaultValue = "") String newPassword,
            Model model, RedirectAttributes redirect) {
        var user = existing(name);
        if (newPassword.length() < ConsoleUserService.MIN_PASSWORD_LENGTH) {
            model.addAttribute("resetFor", user.username());
            model.addAttribute("resetError", "users.passwordTooShort");
            show(new NewUserForm(), model);
            return "console/users/list";
        }
        users.changePassword(user.username(), newPassword, access.actor());
        redirect.addFlashAttribute("notice", "users.passwordResetNotice");
        return "redirect:/admin/users";
    }

    private ConsoleUser existing(String name) {
        return users.find(name).orElseThrow(() -> new NotFoundException("No console user " + name));
    }

    private boolean isMe(ConsoleUser user) {
        return user.username().equals(access.actor());
    }

    private void show(NewUserForm form, Model model) {
        model.addAttribute("users", users.list(null));
        Map<UUID, String> names = tenants.list().stream()
                .collect(Collectors.toMap(TenantView::id, TenantView::name, (a, b) -> a));
        model.addAttribute("tenantNames", names);
        model.addAttribute("tenants", tenants.list());
        model.addAttribute("roles", ConsoleRole.values());
        model.addAttribute("now", clock.instant());
        model.addAttribute("me", access.actor());
        model.addAttribute("userForm", form);
        model.addAttribute("minPassword", ConsoleUserService.MIN_PASSWORD_LENGTH);
    }
}
