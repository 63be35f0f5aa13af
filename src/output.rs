//! Where the `kentai` command writes (the binary's, not the library's):
//! results on standard output through [`Stdout`], notes for the person on
//! standard error through [`say!`].
//!
//! A reader that stops early (`kentai report … | head`) is not a failure.
//! Rust ignores SIGPIPE, so the next write to stdout fails with
//! `BrokenPipe`; [`Stdout`] remembers that, the failing command unwinds
//! through its ordinary error path (however a library wrapped the error on
//! the way), and `main` asks [`reader_gone`] before reporting anything.
//! `println!` and `eprintln!` would panic instead; `main.rs` turns on
//! clippy's `print_stdout` and `print_stderr` to keep them out.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static READER_GONE: AtomicBool = AtomicBool::new(false);

/// Whether a write to stdout found its reader gone; a failure after that
/// is its consequence, and the command ends quietly.
pub fn reader_gone() -> bool {
    READER_GONE.load(Ordering::Relaxed)
}

/// Standard output, locked for one command's writes.
pub struct Stdout(io::StdoutLock<'static>);

pub fn stdout() -> Stdout {
    Stdout(io::stdout().lock())
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        noticed(self.0.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        noticed(self.0.flush())
    }
}

fn noticed<T>(result: io::Result<T>) -> io::Result<T> {
    if let Err(e) = &result {
        if e.kind() == io::ErrorKind::BrokenPipe {
            READER_GONE.store(true, Ordering::Relaxed);
        }
    }
    result
}

/// One line on stderr, `kentai: ` first. A closed stderr leaves nobody to
/// tell, so its errors are dropped rather than turned into a panic.
pub fn say_line(args: std::fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    let _ = err
        .write_all(b"kentai: ")
        .and_then(|()| err.write_fmt(args))
        .and_then(|()| err.write_all(b"\n"));
}

/// `say!("…", args)`: a note for the person on stderr (see [`say_line`]).
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::output::say_line(format_args!($($arg)*))
    };
}
