//! Writes a synthetic Voteview history for benchmarks: members.csv, votes.csv and
//! rollcalls.csv in DIR, for CONGRESSES congresses of SEATS members (a tenth replaced
//! each congress) and ROLLCALLS roll calls each, every member voting on every roll call.
//!
//! `cargo run --release -p hemicycle-interop --example generate_voteview -- DIR 8 435 1000`
//! writes 8 × 435 × 1000 = 3,480,000 vote rows.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

/// A small deterministic generator (SplitMix64), so that every run writes the same files.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn argument(position: usize, default: u32) -> u32 {
    std::env::args()
        .nth(position)
        .and_then(|text| text.parse().ok())
        .unwrap_or(default)
}

fn main() -> std::io::Result<()> {
    let directory = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let congresses = argument(2, 8);
    let seats = argument(3, 435);
    let rollcalls_per_congress = argument(4, 1000);
    std::fs::create_dir_all(&directory)?;
    let mut random = Random(2024);
    let mut members = BufWriter::new(File::create(directory.join("members.csv"))?);
    let mut votes = BufWriter::new(File::create(directory.join("votes.csv"))?);
    let mut rollcalls = BufWriter::new(File::create(directory.join("rollcalls.csv"))?);
    writeln!(
        members,
        "congress,chamber,icpsr,state_abbrev,district_code,party_code,bioname,born"
    )?;
    writeln!(votes, "congress,chamber,rollnumber,icpsr,cast_code,prob")?;
    writeln!(
        rollcalls,
        "congress,chamber,rollnumber,date,yea_count,nay_count,vote_result,vote_question,vote_desc"
    )?;
    let mut seated: Vec<(u32, u32)> = (0..seats)
        .map(|seat| (10_000 + seat, 100 + 100 * (seat % 2)))
        .collect();
    let mut next_icpsr = 10_000 + seats;
    let mut rows = 0u64;
    for index in 0..congresses {
        let congress = 100 + index;
        if index > 0 {
            for member in seated.iter_mut() {
                if random.next() % 10 == 0 {
                    *member = (next_icpsr, 100 + 100 * (random.next() % 2) as u32);
                    next_icpsr += 1;
                }
            }
        }
        for (seat, (icpsr, party)) in seated.iter().enumerate() {
            writeln!(
                members,
                "{congress},House,{icpsr},ST,{},{party},\"MEMBER, Number {icpsr}\",{}",
                seat % 50 + 1,
                1930 + icpsr % 50
            )?;
        }
        let year = 1787 + 2 * congress;
        for rollnumber in 1..=rollcalls_per_congress {
            let day = rollnumber % 300;
            let month = day / 28 + 1;
            let date = format!("{year}-{month:02}-{:02}", day % 28 + 1);
            let mut yea = 0;
            let mut nay = 0;
            let lean = random.next() % 3;
            for (icpsr, party) in &seated {
                let draw = random.next() % 100;
                let code = match (draw, lean, *party) {
                    (0..=2, _, _) => 9,
                    (3, _, _) => 7,
                    (_, 0, _) => 1,
                    (_, 1, 100) | (_, 2, 200) => 1,
                    _ => 6,
                };
                match code {
                    1 => yea += 1,
                    6 => nay += 1,
                    _ => {}
                }
                writeln!(votes, "{congress},House,{rollnumber},{icpsr},{code},99.0")?;
                rows += 1;
            }
            let result = if yea > nay { "Passed" } else { "Failed" };
            writeln!(
                rollcalls,
                "{congress},House,{rollnumber},{date},{yea},{nay},{result},On Passage,Bill {rollnumber}"
            )?;
        }
    }
    members.flush()?;
    votes.flush()?;
    rollcalls.flush()?;
    eprintln!("{rows} vote rows written to {}", directory.display());
    Ok(())
}
