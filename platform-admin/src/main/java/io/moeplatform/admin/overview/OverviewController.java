package io.moeplatform.admin.overview;

import org.springframework.http.MediaType;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** The console's home: engine status rendered at once, then kept live by the event stream. */
@Controller
class OverviewController {

    private final EngineStatusFeed feed;

    OverviewController(EngineStatusFeed feed) {
        this.feed = feed;
    }

    @GetMapping("/admin")
    String overview(Model model) {
        model.addAttribute("status", feed.current());
        return "console/overview";
    }

    @GetMapping(value = "/admin/overview/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @ResponseBody
    SseEmitter stream() {
        return feed.subscribe();
    }
}
