package io.moeplatform.api.security;

import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import org.springframework.http.MediaType;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.util.HtmlUtils;

/**
 * The console's sign-in page and a minimal signed-in landing page. The full console (tenants, keys, usage) lives
 * in platform-admin; these two pages make form login, CSRF and logout usable until it arrives.
 */
@Controller
class AdminPages {

    @GetMapping(value = "/admin/login", produces = MediaType.TEXT_HTML_VALUE)
    @ResponseBody
    String login(HttpServletRequest request, CsrfToken csrf) {
        String notice = request.getParameter("error") != null
                ? "<p role=\"alert\">Wrong user name or password.</p>"
                : request.getParameter("logout") != null ? "<p role=\"status\">You are signed out.</p>" : "";
        return page("Sign in",
                notice + """
                        <form method="post" action="/admin/login">
                          <label>User name <input name="username" autocomplete="username" required autofocus></label>
                          <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
                          %s
                          <button type="submit">Sign in</button>
                        </form>"""
                        .formatted(csrfField(csrf)));
    }

    @GetMapping(value = "/admin", produces = MediaType.TEXT_HTML_VALUE)
    @ResponseBody
    String landing(Principal user, CsrfToken csrf) {
        return page("Console", """
                <p>Signed in as <strong>%s</strong>.</p>
                <form method="post" action="/admin/logout">%s<button type="submit">Sign out</button></form>"""
                .formatted(HtmlUtils.htmlEscape(user.getName()), csrfField(csrf)));
    }

    private static String csrfField(CsrfToken csrf) {
        return "<input type=\"hidden\" name=\"%s\" value=\"%s\">".formatted(
                HtmlUtils.htmlEscape(csrf.getParameterName()),
                HtmlUtils.htmlEscape(csrf.getToken()));
    }

    private static String page(String title, String body) {
        return """
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>%s · MoE Platform</title></head>
                <body><main><h1>%s</h1>
                %s
                </main></body></html>""".formatted(title, title, body);
    }
}
