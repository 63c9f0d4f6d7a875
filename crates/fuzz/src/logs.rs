//! Raw log lines, as `forewarn logs` and `forewarn bench logs` read them:
//! the header parsed with a Loghub-style format (the hand-written matcher
//! must agree with the regex it stands in for), then the message masked
//! with the default masks and mined. The first byte picks the format.

use std::sync::OnceLock;

use forewarn_logs::{LogFormat, MinerConfig, TemplateMiner};

/// The header formats of the Loghub systems (`settings.json` of the
/// shared Loghub 2k samples) and two more shapes: every fast-matcher
/// feature (escaped brackets, optional groups, a nested one, a trailing
/// literal) and one the regex alone handles.
pub const FORMATS: &[&str] = &[
    "<Date> <Time> <Pid> <Level> <Component>: <Content>",
    r"<Date> <Time> <Level> \[<Process>\] <Component>: <Content>",
    "<Date> <Time> <Level> <Component>: <Content>",
    r"<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>",
    r"<Logrecord> <Date> <Time> <Pid> <Level> <Component> \[<ADDR>\] <Content>",
    "<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>",
    r"\[<Time>\] \[<Level>\] <Content>",
    r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>",
    r"<A>(:(<B>)?\[<C>\])? <Content>",
    r"<A>( |:)<Content>",
];

/// A line in the shape of each of [`FORMATS`] (made up, not from the
/// datasets): the seeds of the `log_line` target.
pub const SEED_LINES: &[&str] = &[
    "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_-1608999687919862906 terminating",
    "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster for application appattempt_1445144423722_0020_000001",
    "17/06/09 20:10:40 INFO spark.SecurityManager: Changing view acls to: yarn,curi",
    "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200",
    "nova-api.log.1 2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server [req-38101a0b-2096-447d-96ea-a692162415ae - - -] 10.11.10.1 \"GET /v2/servers/detail HTTP/1.1\" status: 200 len: 1893 time: 0.2477829",
    "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected",
    "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties",
    "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=10.1.2.4",
    "edge:gw[7] link down on eth0",
    "worker:queue full after 30 s",
];

fn formats() -> &'static [LogFormat] {
    static F: OnceLock<Vec<LogFormat>> = OnceLock::new();
    F.get_or_init(|| {
        FORMATS
            .iter()
            .map(|f| LogFormat::new(f).expect("a harness format"))
            .collect()
    })
}

fn miner() -> &'static TemplateMiner {
    static M: OnceLock<TemplateMiner> = OnceLock::new();
    M.get_or_init(|| TemplateMiner::new(MinerConfig::default()).expect("the default miner"))
}

/// One raw line (after a format-picking byte): parsed by header, masked
/// and mined twice (the second time it must join its own template).
pub fn log_line(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(line) = std::str::from_utf8(rest) else {
        return;
    };
    let format = &formats()[usize::from(pick) % FORMATS.len()];
    let parsed = format.parse(line);
    assert_eq!(
        parsed,
        format.parse_by_regex(line),
        "the header matcher and the regex disagree"
    );
    let message = match &parsed {
        Some(fields) => fields
            .iter()
            .find(|(name, _)| *name == "Content")
            .map_or("", |(_, v)| v),
        None => line,
    };
    let mut m = miner().clone();
    let first = m.add(message);
    let again = m.add(message);
    assert_eq!(
        first.template_id, again.template_id,
        "a message joins its own template"
    );
}
