package io.moeplatform.core.metering;

import io.moeplatform.core.audit.AuditAction;
import io.moeplatform.core.audit.AuditLog;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Per-model prices; models without a price cost nothing. Changes are audited. */
@Service
public class ModelPriceService {

    private final JdbcClient jdbc;
    private final AuditLog audit;
    private final Clock clock;

    ModelPriceService(JdbcClient jdbc, AuditLog audit, Clock clock) {
        this.jdbc = jdbc;
        this.audit = audit;
        this.clock = clock;
    }

    @Transactional
    public ModelPrice set(String model, BigDecimal inputPer1k, BigDecimal outputPer1k, String actor) {
        if (model.isBlank()) {
            throw new IllegalArgumentException("Model name must not be blank.");
        }
        if (inputPer1k.signum() < 0 || outputPer1k.signum() < 0) {
            throw new IllegalArgumentException("Prices must not be negative.");
        }
        var now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        int updated = jdbc.sql("UPDATE model_price SET input_per_1k = ?, output_per_1k = ?, updated_at = ?"
                + " WHERE model = ?").params(inputPer1k, outputPer1k, now, model).update();
        if (updated == 0) {
            jdbc.sql("INSERT INTO model_price (model, input_per_1k, output_per_1k, updated_at) VALUES (?, ?, ?, ?)")
                    .params(model, inputPer1k, outputPer1k, now).update();
        }
        audit.append(actor, AuditAction.MODEL_PRICE_SET, null, model,
                Map.of("inputPer1k", inputPer1k.toPlainString(), "outputPer1k", outputPer1k.toPlainString()));
        return new ModelPrice(model, inputPer1k, outputPer1k);
    }

    @Transactional(readOnly = true)
    public Optional<ModelPrice> find(String model) {
        return jdbc.sql("SELECT model, input_per_1k, output_per_1k FROM model_price WHERE model = ?").param(model)
                .query((rs, n) -> new ModelPrice(rs.getString(1), rs.getBigDecimal(2), rs.getBigDecimal(3)))
                .optional();
    }

    @Transactional(readOnly = true)
    public List<ModelPrice> list() {
        return jdbc.sql("SELECT model, input_per_1k, output_per_1k FROM model_price ORDER BY model")
                .query((rs, n) -> new ModelPrice(rs.getString(1), rs.getBigDecimal(2), rs.getBigDecimal(3)))
                .list();
    }

    Map<String, ModelPrice> byModel() {
        return list().stream().collect(Collectors.toMap(ModelPrice::model, Function.identity()));
    }
}
