//! Tic-Tac-Toe for the two people in a game room. Only legal cells can be pressed
//! (the shared rules decide); the server judges every move all the same.

use crate::call::state::{BoardView, mark};
use crate::call::{Call, CallView};
use leptos::prelude::*;

/// The game panel.
#[component]
pub fn GamePanel(
    /// The call to play through.
    call: StoredValue<Call>,
    /// Its state.
    view: CallView,
) -> impl IntoView {
    let board = Memo::new(move |_| {
        let seat = view.seat.get()?;
        let peer = view.peer.with(|p| p.as_ref().map(|p| p.name.clone()));
        view.game.with(|g| {
            g.as_ref()
                .map(|g| BoardView::new(g, seat.symbol, peer.as_deref()))
        })
    });
    let playing = Memo::new(move |_| board.with(Option::is_some));
    let legal = move |cell: u8| board.with(|b| b.as_ref().is_some_and(|b| b.legal.contains(&cell)));
    let mark_at = move |cell: u8| {
        board.with(|b| {
            b.as_ref()
                .and_then(|b| b.cells[usize::from(cell)])
                .map_or("", mark)
        })
    };
    let winning = move |cell: u8| {
        board.with(|b| {
            b.as_ref()
                .and_then(|b| b.line)
                .is_some_and(|l| l.contains(&cell))
        })
    };
    let cell_label = move |cell: u8| {
        let (row, col) = (cell / 3 + 1, cell % 3 + 1);
        match mark_at(cell) {
            "" => format!("Row {row}, column {col}, empty"),
            m => format!("Row {row}, column {col}, {m}"),
        }
    };

    let cells = (0..9u8)
        .map(|cell| {
            view! {
                <button
                    type="button"
                    class="cell"
                    class:win=move || winning(cell)
                    data-testid=format!("cell-{cell}")
                    data-mark=move || mark_at(cell)
                    aria-label=move || cell_label(cell)
                    disabled=move || !legal(cell)
                    on:click=move |_| {
                        if legal(cell) {
                            call.with_value(|c| c.play(cell));
                        }
                    }
                >
                    {move || mark_at(cell)}
                </button>
            }
        })
        .collect_view();

    view! {
        <section class="game" aria-labelledby="game-title" data-testid="game-panel">
            <h2 id="game-title" class="panel-title">"Tic-Tac-Toe"</h2>
            <Show
                when=move || playing.get()
                fallback=move || {
                    view! {
                        <div class="game-start">
                            <p>
                                "Three in a row wins. X moves first; you are "
                                <strong>
                                    {move || view.seat.get().map_or("", |s| mark(s.symbol))}
                                </strong> "."
                            </p>
                            <button
                                type="button"
                                class="btn primary"
                                data-testid="game-start"
                                on:click=move |_| call.with_value(Call::select_game)
                            >
                                "Start Tic-Tac-Toe"
                            </button>
                        </div>
                    }
                }
            >
                <p
                    class="game-status"
                    role="status"
                    data-testid="game-status"
                    data-state=move || board.with(|b| b.as_ref().map_or("", |b| b.key))
                >
                    {move || board.with(|b| b.as_ref().map(|b| b.status.clone()))}
                </p>
            </Show>
            <div class="board" role="group" aria-label="Board" hidden=move || !playing.get()>
                {cells}
            </div>
            <Show when=move || playing.get()>
                <button
                    type="button"
                    class="btn"
                    data-testid="game-reset"
                    on:click=move |_| call.with_value(Call::reset_game)
                >
                    "New game"
                </button>
            </Show>
        </section>
    }
}
