//! Forewarn's own JSON metric-sample contract: one object per record,
//! decoded and checked by `forewarn_core::decode::decode_metric`, whose
//! errors carry the dotted field path.

use forewarn_core::contracts::MetricSample;
use forewarn_core::decode::decode_metric;

use crate::error::Result;

pub(crate) fn decode(bytes: &[u8], out: &mut Vec<MetricSample>) -> Result<()> {
    out.push(decode_metric(bytes)?);
    Ok(())
}
