//! What [`crate::run`] checks before it joins its group, so that a
//! mistake a new user makes on day one fails the start in seconds, with
//! its fix, instead of hundreds of log lines a minute later: a broker
//! reached within [`crate::ScoreOptions::startup_timeout`] (or the run
//! fails, naming the addresses), the pipeline's topics created when asked
//! ([`crate::ScoreOptions::create_topics`]), every topic the pipeline
//! names there, and the checkpoint topic compacted (a warning if not, or
//! if the broker does not say).

use std::time::Duration;

use forewarn_config::PipelineConfig;

use crate::error::Error;
use crate::options::{ScoreOptions, Topics, ensure_topics};

/// Probe the brokers, create the topics if asked, check them.
pub(crate) fn check(pipeline: &PipelineConfig, opts: &ScoreOptions) -> Result<(), Error> {
    let timeout = opts.startup_timeout;
    let probe = || forewarn_kafka::probe(&opts.brokers, &opts.client, timeout);
    let mut cluster = probe().map_err(Error::Unreachable)?;
    if let Some(n) = opts.create_topics {
        ensure_topics(pipeline, &opts.brokers, &opts.client, n, timeout)?;
        cluster = probe().map_err(Error::Unreachable)?;
    }
    let t = Topics::of(pipeline);
    let missing = cluster.missing(&t.all());
    if !missing.is_empty() {
        return Err(Error::MissingTopics {
            brokers: opts.brokers.clone(),
            topics: missing.iter().map(|s| s.to_string()).collect(),
        });
    }
    if !opts.check_compaction {
        return Ok(());
    }
    match forewarn_kafka::topic_config(
        &opts.brokers,
        &opts.client,
        &t.checkpoints,
        "cleanup.policy",
        timeout.min(Duration::from_secs(5)),
    ) {
        Ok(Some(p)) if p.split(',').any(|x| x.trim() == "compact") => {}
        Ok(p) => tracing::warn!(
            "the checkpoint topic {} is not compacted (cleanup.policy={}): it keeps every checkpoint ever written, and each start reads them all; set cleanup.policy=compact",
            t.checkpoints,
            p.as_deref().unwrap_or("not reported")
        ),
        Err(e) => tracing::warn!(
            "could not check that the checkpoint topic {} is compacted (cleanup.policy=compact); this broker did not answer DescribeConfigs: {e}",
            t.checkpoints
        ),
    }
    Ok(())
}
