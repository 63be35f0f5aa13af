//! One MLLP block cut into its messages: a single message, or a batch
//! (`[FHS] BHS {MSH …} BTS [FTS]`) of several.
//!
//! The block is cut at the byte level, at each MSH, before anything is
//! decoded: each message names its own character set in its own MSH-18,
//! and is read on its own ([`read`]). The batch header and trailer
//! segments are read as ASCII (they carry names and ids, not results).
//! Segments before the first MSH that are not FHS or BHS form a message
//! without a header, which is refused as such. The counts in BTS-1 and
//! FTS-1 are kept for the log; a count that disagrees with the messages
//! read changes nothing, since each message is answered on its own.

use super::charset::Charset;
use super::message::{lines, parse_segment, Delimiters};
use super::oru::{read, Received};

/// FHS or BHS: who sent the file or batch, and its control id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BatchHeader {
    /// Field 3, its components.
    pub sending_application: Vec<String>,
    /// Field 4, its components.
    pub sending_facility: Vec<String>,
    /// Field 11: the file or batch control id.
    pub control_id: String,
}

/// What one block held.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Block {
    /// FHS, when the block is a file of batches.
    pub file: Option<BatchHeader>,
    /// BHS, when the block is a batch.
    pub batch: Option<BatchHeader>,
    /// Each message, in order; one for a block that is not a batch.
    pub messages: Vec<Received>,
    /// BTS-1 and FTS-1 as written, when present.
    pub batch_count: Option<String>,
    pub file_count: Option<String>,
}

impl Block {
    /// Is this block a batch (FHS or BHS present)?
    pub fn is_batch(&self) -> bool {
        self.file.is_some() || self.batch.is_some()
    }
}

/// Reads every message of a block.
pub fn read_block(bytes: &[u8]) -> Block {
    let mut block = Block::default();
    let mut current: Vec<&[u8]> = Vec::new();
    let finish = |current: &mut Vec<&[u8]>, block: &mut Block| {
        if !current.is_empty() {
            block.messages.push(read(&current.join(&b'\r')));
            current.clear();
        }
    };
    for line in lines(bytes) {
        match line.get(..3).unwrap_or(line) {
            b"FHS" => {
                finish(&mut current, &mut block);
                block.file = Some(batch_header(line));
            }
            b"BHS" => {
                finish(&mut current, &mut block);
                block.batch = Some(batch_header(line));
            }
            b"BTS" => {
                finish(&mut current, &mut block);
                block.batch_count = Some(trailer_count(line));
            }
            b"FTS" => {
                finish(&mut current, &mut block);
                block.file_count = Some(trailer_count(line));
            }
            b"MSH" => {
                finish(&mut current, &mut block);
                current.push(line);
            }
            _ => current.push(line),
        }
    }
    finish(&mut current, &mut block);
    if block.messages.is_empty() && !block.is_batch() {
        // Nothing but blank lines: a message with no MSH.
        block.messages.push(read(bytes));
    }
    block
}

fn batch_header(line: &[u8]) -> BatchHeader {
    let Ok(d) = Delimiters::from_header(line) else {
        return BatchHeader::default();
    };
    let segment = parse_segment(&String::from_utf8_lossy(line), &d, Charset::Utf8);
    let components = |n: usize| -> Vec<String> {
        segment
            .repetitions(n)
            .first()
            .map(|r| r.components.iter().map(|c| c.text().to_string()).collect())
            .unwrap_or_default()
    };
    BatchHeader {
        sending_application: components(3),
        sending_facility: components(4),
        control_id: segment.text(11).to_string(),
    }
}

/// BTS-1 or FTS-1: the text between the first and second field
/// separators (the trailer carries no MSH-2 of its own).
fn trailer_count(line: &[u8]) -> String {
    let Some(&sep) = line.get(3) else {
        return String::new();
    };
    let rest = &line[4..];
    let end = rest.iter().position(|&b| b == sep).unwrap_or(rest.len());
    String::from_utf8_lossy(&rest[..end]).into_owned()
}
