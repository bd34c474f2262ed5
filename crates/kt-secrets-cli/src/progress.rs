//! Progress of operations on many objects, drawn on stderr only when stderr is a terminal:
//! piped or redirected, stderr carries nothing but what went wrong.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar named by what is being done (`deleting`, `syncing`); cleared when dropped, so the
/// command's own lines follow on a clean terminal.
pub(crate) struct Bar(Option<ProgressBar>);

impl Bar {
    pub(crate) fn new(doing: &'static str) -> Self {
        if !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:24}] {pos}/{len} {msg}") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(doing);
        Self(Some(bar))
    }

    /// Counts and an object name only (the library's progress hook passes no value); the
    /// name comes from the API server, so control characters are dropped before drawing.
    pub(crate) fn tell(&self, done: usize, total: usize, object_name: &str) {
        if let Some(bar) = &self.0 {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
            bar.set_message(
                object_name
                    .chars()
                    .filter(|c| !c.is_control())
                    .collect::<String>(),
            );
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
