//! `lab top`: the loop around [`crate::top`]: a terminal dashboard, or plain frames when stdout is
//! not a terminal, or one frame (`--once`, `--json`).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Result};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::backend::CrosstermBackend;
use ratatui::widgets::Paragraph;
use ratatui::Terminal;
use tokio::sync::mpsc;

use super::Ctx;
use crate::cli::TopArgs;
use crate::state::StateDir;
use crate::top::{draw, plain, Collector, Frame, Tracker, View};

pub async fn run(ctx: &Ctx, args: TopArgs) -> Result<ExitCode> {
    let name = ctx.lab_name()?;
    let rt = ctx.runtime().await?;
    let collector = Collector::new(&rt, &name, StateDir::for_lab(&name));
    if collector.containers().await?.is_empty() {
        bail!("lab `{name}` has no containers (`lab up` starts it)");
    }
    let interval = Duration::from_secs_f64(args.interval.clamp(0.2, 3600.0));
    let mut tracker = Tracker::new();

    if args.once || args.json {
        // CPU shares are differences of the engine's counters: two samples, one interval apart.
        tracker.update(&collector.sample(None, true).await?);
        tokio::time::sleep(interval).await;
        let frame = tracker.update(&collector.sample(tracker.last_block(), true).await?);
        if args.json {
            println!("{}", serde_json::to_string_pretty(&frame)?);
        } else {
            print!("{}", plain(&frame));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !std::io::stdout().is_terminal() {
        return plain_loop(&collector, &mut tracker, interval).await;
    }
    dashboard(&collector, &mut tracker, interval, &name).await
}

/// A frame after another, a blank line between, until Ctrl-C.
async fn plain_loop(collector: &Collector<'_>, tracker: &mut Tracker, interval: Duration) -> Result<ExitCode> {
    loop {
        let frame = tokio::select! {
            s = collector.sample(tracker.last_block(), true) => tracker.update(&s?),
            _ = tokio::signal::ctrl_c() => return Ok(ExitCode::SUCCESS),
        };
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", plain(&frame))?;
        out.flush()?;
        drop(out);
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = tokio::signal::ctrl_c() => return Ok(ExitCode::SUCCESS),
        }
    }
}

/// Raw mode and the alternate screen while it lives; the terminal as it was once dropped (on an
/// error or a panic too).
struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> Result<(Terminal<CrosstermBackend<std::io::Stdout>>, TerminalGuard)> {
        crossterm::terminal::enable_raw_mode()?;
        let guard = TerminalGuard;
        crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen, crossterm::cursor::Hide)?;
        Ok((Terminal::new(CrosstermBackend::new(std::io::stdout()))?, guard))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ =
            crossterm::execute!(std::io::stdout(), crossterm::terminal::LeaveAlternateScreen, crossterm::cursor::Show);
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

enum Input {
    Quit,
    Redraw,
    Ignore,
}

fn input(event: Event, view: &mut View) -> Input {
    match event {
        Event::Key(KeyEvent { kind: KeyEventKind::Release, .. }) => Input::Ignore,
        Event::Key(KeyEvent { code, modifiers, .. }) => {
            match code {
                KeyCode::Char('q') | KeyCode::Esc => return Input::Quit,
                // Raw mode turns Ctrl-C into a key, not a signal.
                KeyCode::Char('c') if modifiers.contains(KeyModifiers::CONTROL) => return Input::Quit,
                KeyCode::Up | KeyCode::Char('k') => view.scroll(-1),
                KeyCode::Down | KeyCode::Char('j') => view.scroll(1),
                KeyCode::PageUp => view.scroll(-10),
                KeyCode::PageDown | KeyCode::Char(' ') => view.scroll(10),
                KeyCode::Home | KeyCode::Char('g') => view.scroll(-10_000),
                KeyCode::End | KeyCode::Char('G') => view.scroll(10_000),
                KeyCode::Tab | KeyCode::BackTab => view.switch(),
                _ => return Input::Ignore,
            }
            Input::Redraw
        }
        Event::Resize(..) => Input::Redraw,
        _ => Input::Ignore,
    }
}

async fn dashboard(
    collector: &Collector<'_>,
    tracker: &mut Tracker,
    interval: Duration,
    lab: &str,
) -> Result<ExitCode> {
    let (mut terminal, _guard) = TerminalGuard::enter()?;
    // crossterm's reads block: a thread of their own, which ends with the process.
    let (tx, mut events) = mpsc::channel::<Event>(64);
    std::thread::spawn(move || {
        while let Ok(event) = crossterm::event::read() {
            if tx.blocking_send(event).is_err() {
                break;
            }
        }
    });
    let mut view = View::default();
    let mut frame: Option<Frame> = None;
    let show = |terminal: &mut Terminal<_>, frame: &Option<Frame>, view: &mut View| -> Result<()> {
        terminal.draw(|screen| match frame {
            Some(f) => draw(screen, f, view),
            None => {
                screen.render_widget(Paragraph::new(format!("lab `{lab}`: asking the nodes… (q quits)")), screen.area())
            }
        })?;
        Ok(())
    };
    show(&mut terminal, &frame, &mut view)?;
    loop {
        // Keys stay live while a poll is under way.
        let poll = collector.sample(tracker.last_block(), true);
        tokio::pin!(poll);
        let sample = loop {
            tokio::select! {
                s = &mut poll => break s?,
                e = events.recv() => match e.map(|e| input(e, &mut view)) {
                    Some(Input::Quit) | None => return Ok(ExitCode::SUCCESS),
                    Some(Input::Redraw) => show(&mut terminal, &frame, &mut view)?,
                    Some(Input::Ignore) => {}
                },
                _ = tokio::signal::ctrl_c() => return Ok(ExitCode::SUCCESS),
            }
        };
        frame = Some(tracker.update(&sample));
        show(&mut terminal, &frame, &mut view)?;
        let pause = tokio::time::sleep(interval);
        tokio::pin!(pause);
        loop {
            tokio::select! {
                _ = &mut pause => break,
                e = events.recv() => match e.map(|e| input(e, &mut view)) {
                    Some(Input::Quit) | None => return Ok(ExitCode::SUCCESS),
                    Some(Input::Redraw) => show(&mut terminal, &frame, &mut view)?,
                    Some(Input::Ignore) => {}
                },
                _ = tokio::signal::ctrl_c() => return Ok(ExitCode::SUCCESS),
            }
        }
    }
}
