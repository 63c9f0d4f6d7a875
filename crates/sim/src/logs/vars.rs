//! Random variable parts of log lines: request ids, user and order ids,
//! client addresses, HTTP paths and methods, table and topic names.

use rand::Rng;

use crate::rng::SimRng;

/// 16 lowercase hex digits, like a trace or request id.
pub(crate) fn rid(rng: &mut SimRng) -> String {
    format!("{:016x}", rng.random::<u64>())
}

/// A numeric entity id.
pub(crate) fn id(rng: &mut SimRng) -> u32 {
    rng.random_range(10_000..9_999_999)
}

/// A private client address.
pub(crate) fn ip(rng: &mut SimRng) -> String {
    format!(
        "10.{}.{}.{}",
        rng.random_range(0..64),
        rng.random_range(0..256),
        rng.random_range(2..255)
    )
}

/// One of `items`.
pub(crate) fn pick<'a>(rng: &mut SimRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// An HTTP method, mostly GET.
pub(crate) fn method(rng: &mut SimRng) -> &'static str {
    pick(
        rng,
        &["GET", "GET", "GET", "GET", "POST", "POST", "PUT", "DELETE"],
    )
}

/// An API path with an id.
pub(crate) fn path(rng: &mut SimRng) -> String {
    let res = pick(
        rng,
        &[
            "orders", "users", "carts", "products", "payments", "sessions", "invoices",
        ],
    );
    let v = id(rng);
    match rng.random_range(0..3) {
        0 => format!("/api/v1/{res}/{v}"),
        1 => format!("/api/v1/{res}?page={}", rng.random_range(1..40)),
        _ => format!("/api/v2/{res}/{v}/items"),
    }
}

/// A table name.
pub(crate) fn table(rng: &mut SimRng) -> &'static str {
    pick(
        rng,
        &[
            "orders",
            "order_items",
            "users",
            "payments",
            "inventory",
            "sessions",
            "audit_log",
        ],
    )
}

/// A topic or queue name.
pub(crate) fn topic(rng: &mut SimRng) -> &'static str {
    pick(
        rng,
        &[
            "order-events",
            "email-jobs",
            "payment-events",
            "search-index",
            "audit",
        ],
    )
}

/// A background job type.
pub(crate) fn job(rng: &mut SimRng) -> &'static str {
    pick(
        rng,
        &[
            "send_email",
            "charge_card",
            "reindex_product",
            "generate_invoice",
            "sync_inventory",
        ],
    )
}

/// A duration in ms around `typical` (log-normal spread), formatted.
pub(crate) fn ms(rng: &mut SimRng, typical: f64) -> String {
    let z: f64 = rng.sample(rand_distr::StandardNormal);
    format!("{:.1}", (typical * (0.4 * z).exp()).max(0.1))
}
