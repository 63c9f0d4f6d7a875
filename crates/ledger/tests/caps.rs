//! Bounded memory: past the caps the oldest records go, their figures
//! stay in the totals (counts, means, histogram exact), and the report
//! says how many are no longer listed.

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::{ServiceEvent, ServiceEventKind};
use forewarn_ledger::{Caps, Entry, Ledger, LedgerOptions};

fn t(s: i64) -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + TimeDelta::seconds(1_700_000_000 + s)
}

#[test]
fn records_past_the_cap_leave_their_figures_behind() {
    let caps = Caps {
        incidents: 2,
        ..Caps::default()
    };
    let opts = LedgerOptions {
        caps,
        ..LedgerOptions::default()
    };
    // Five incidents of 60, 120, 180, 240, 300 s, one every 1000 s.
    let mut entries = Vec::new();
    for i in 0..5 {
        let start = t(i * 1000);
        let end = t(i * 1000 + 60 * (i + 1));
        for (kind, ts) in [
            (ServiceEventKind::Crashed, start),
            (ServiceEventKind::Recovered, end),
        ] {
            entries.push(Entry::Service(ServiceEvent::new(
                "api", "api-0", kind, ts, 0,
            )));
        }
    }
    let ledger = Ledger::replay(opts, entries);
    let r = ledger.report(t(0), t(5000), &[]);
    let api = &r.services[0];
    assert_eq!(api.incidents.len(), 2, "only the cap is listed");
    assert_eq!(api.not_listed, [3, 0, 0]);
    let f = &api.figures;
    assert_eq!(f.incidents, 5);
    // MTTR (60+120+180+240+300)/5 = 180 s, exact from the totals; the
    // median is of the two kept (240, 300).
    assert_eq!(f.time_to_recover_s.mean, Some(180.0));
    assert_eq!(f.time_to_recover_s.median, Some(270.0));
    // ≤ 60 s: 1; ≤ 5 min: 4.
    assert_eq!(f.recovery_histogram[0].count, 1);
    assert_eq!(f.recovery_histogram[1].count, 4);
    // Down 900 s of 5000 observed: the intervals are all still kept.
    assert_eq!(f.down_s, 900.0);
}
