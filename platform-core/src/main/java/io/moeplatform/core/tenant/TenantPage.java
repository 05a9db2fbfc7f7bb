package io.moeplatform.core.tenant;

import java.util.List;

/**
 * One page of a tenant search, ordered by name.
 *
 * @param page zero-based page number
 * @param total tenants matching the search on all pages
 */
public record TenantPage(List<TenantView> tenants, int page, int size, long total) {

    public int pages() {
        return total == 0 ? 1 : (int) ((total + size - 1) / size);
    }

    public boolean hasPrevious() {
        return page > 0;
    }

    public boolean hasNext() {
        return page + 1 < pages();
    }
}
