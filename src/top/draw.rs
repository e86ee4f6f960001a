//! A frame on a terminal (ratatui): the summary, the nodes, the producers, a line of keys. Each
//! table scrolls on its own, so 21 producers fit an 80×24 terminal.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};
use ratatui::Frame as Screen;

use super::plain::summary;
use super::Frame;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Nodes,
    Producers,
}

/// What the user changed: which table scrolls, and by how much each is scrolled.
#[derive(Debug, Clone, Copy, Default)]
pub struct View {
    pub focus: Focus,
    pub node_scroll: usize,
    pub producer_scroll: usize,
}

impl View {
    pub fn scroll(&mut self, by: isize) {
        let s = match self.focus {
            Focus::Nodes => &mut self.node_scroll,
            Focus::Producers => &mut self.producer_scroll,
        };
        *s = s.saturating_add_signed(by);
    }

    pub fn switch(&mut self) {
        self.focus = if self.focus == Focus::Nodes { Focus::Producers } else { Focus::Nodes };
    }
}

fn dash<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
}

/// The rows shown from `scroll` in `height` lines, the scroll clamped so the last page is full.
fn window(len: usize, height: usize, scroll: &mut usize) -> std::ops::Range<usize> {
    *scroll = (*scroll).min(len.saturating_sub(height));
    *scroll..(*scroll + height).min(len)
}

pub fn draw(screen: &mut Screen, frame: &Frame, view: &mut View) {
    let [top, nodes_area, producers_area, keys] = Layout::vertical([
        // The summary may wrap to a second line; Savanna's votes take one more.
        Constraint::Length(if frame.finality.is_some() { 3 } else { 2 }),
        Constraint::Percentage(55),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(screen.area());
    screen.render_widget(
        Paragraph::new(summary(frame)).style(Style::new().add_modifier(Modifier::BOLD)).wrap(Wrap { trim: true }),
        top,
    );
    draw_nodes(screen, frame, view, nodes_area);
    draw_producers(screen, frame, view, producers_area);
    screen.render_widget(
        Line::from(vec![
            Span::styled(" q ", Style::new().add_modifier(Modifier::REVERSED)),
            Span::raw(" quit  "),
            Span::styled(" ↑↓ PgUp PgDn ", Style::new().add_modifier(Modifier::REVERSED)),
            Span::raw(" scroll  "),
            Span::styled(" Tab ", Style::new().add_modifier(Modifier::REVERSED)),
            Span::raw(" nodes/producers"),
        ]),
        keys,
    );
}

fn block(title: String, focused: bool) -> Block<'static> {
    let style = if focused { Style::new().fg(Color::Cyan) } else { Style::new() };
    Block::new().borders(Borders::ALL).border_style(style).title(title)
}

fn draw_nodes(screen: &mut Screen, frame: &Frame, view: &mut View, area: Rect) {
    // Borders and the header take 3 lines.
    let height = area.height.saturating_sub(3) as usize;
    let range = window(frame.nodes.len(), height, &mut view.node_scroll);
    let title = format!(" nodes {}–{} of {} ", range.start + 1, range.end, frame.nodes.len());
    let rows = frame.nodes[range].iter().map(|n| {
        let down = n.state != "running";
        let state = if n.faults.is_empty() { n.state.clone() } else { format!("{}!", n.state) };
        let style = if down {
            Style::new().fg(Color::Red)
        } else if n.lag.unwrap_or(0) > 12 {
            Style::new().fg(Color::Yellow)
        } else {
            Style::new()
        };
        Row::new(vec![
            n.node.clone(),
            match n.role.as_str() {
                "genesis" => "gen".into(),
                "producer" => "prod".into(),
                other => other.to_string(),
            },
            state,
            format!("{:>7}", dash(n.head)),
            format!("{:>7}", dash(n.lib)),
            format!("{:>3}", dash(n.lag)),
            n.head_producer.clone().unwrap_or_else(|| "-".into()),
            format!("{:>3}", dash(n.peers.as_ref().map(Vec::len))),
            format!("{:>5}", n.cpu_percent.map(|c| format!("{c:.0}%")).unwrap_or_else(|| "-".into())),
            format!("{:>5}", n.memory_mb.map(|m| format!("{m:.0}M")).unwrap_or_else(|| "-".into())),
            n.faults.join("; "),
        ])
        .style(style)
    });
    let widths = [
        Constraint::Length(12),
        Constraint::Length(4),
        Constraint::Length(9),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(3),
        Constraint::Length(12),
        Constraint::Length(3),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Min(0),
    ];
    let header =
        Row::new(["NODE", "ROLE", "STATE", "   HEAD", "    LIB", "LAG", "PRODUCER", "PRS", " CPU", "  MEM", "FAULTS"])
            .style(Style::new().add_modifier(Modifier::BOLD));
    let table = Table::new(rows, widths).header(header).block(block(title, view.focus == Focus::Nodes));
    screen.render_widget(table, area);
}

fn draw_producers(screen: &mut Screen, frame: &Frame, view: &mut View, area: Rect) {
    let height = area.height.saturating_sub(3) as usize;
    let range = window(frame.producers.len(), height, &mut view.producer_scroll);
    let title = format!(
        " producers {}–{} of {} · missed slots since start: {} ",
        if frame.producers.is_empty() { 0 } else { range.start + 1 },
        range.end,
        frame.producers.len(),
        frame.missed_slots
    );
    let rows = frame.producers[range].iter().map(|p| {
        let style = if p.turn { Style::new().fg(Color::Green).add_modifier(Modifier::BOLD) } else { Style::new() };
        Row::new(vec![
            p.producer.clone(),
            format!("{:>10}", p.this_round),
            format!("{:>10}", p.previous_round),
            format!("{:>6}", p.missed_slots),
            if p.turn { "◀ producing".into() } else { String::new() },
        ])
        .style(style)
    });
    let widths = [
        Constraint::Length(12),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Length(6),
        Constraint::Min(0),
    ];
    let header = Row::new(["PRODUCER", "THIS ROUND", "PREV ROUND", "MISSED", "TURN"])
        .style(Style::new().add_modifier(Modifier::BOLD));
    let table = Table::new(rows, widths).header(header).block(block(title, view.focus == Focus::Producers));
    screen.render_widget(table, area);
}
