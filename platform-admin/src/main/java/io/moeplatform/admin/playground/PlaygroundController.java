package io.moeplatform.admin.playground;

import io.moeplatform.inference.InferenceService;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The playground page. Chat runs in the browser against {@code /v1/chat/completions} with a key the user pastes:
 * the server never sees the key in a console request and never stores it.
 */
@Controller
class PlaygroundController {

    private final InferenceService inference;

    PlaygroundController(InferenceService inference) {
        this.inference = inference;
    }

    @GetMapping("/admin/playground")
    String playground(Model model) {
        model.addAttribute("models", inference.models());
        return "console/playground";
    }
}
