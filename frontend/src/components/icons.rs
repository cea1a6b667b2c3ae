//! Line icons (24×24, drawn with the current text colour). Decorative: the
//! buttons that hold them carry the words.

use leptos::prelude::*;

/// Which icon to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    /// A microphone.
    Mic,
    /// A crossed-out microphone.
    MicOff,
    /// A video camera.
    Camera,
    /// A crossed-out video camera.
    CameraOff,
    /// A monitor.
    Screen,
    /// A speech bubble.
    Chat,
    /// A 3×3 grid.
    Game,
    /// A door with an arrow out.
    Leave,
    /// Two overlapping sheets.
    Copy,
    /// A padlock.
    Lock,
    /// A plus sign.
    Plus,
    /// A speaker.
    Sound,
    /// A sheet with a folded corner.
    File,
}

/// Draws `icon`.
#[component]
pub fn Svg(
    /// The icon.
    icon: Icon,
) -> impl IntoView {
    let d = match icon {
        Icon::Mic => {
            "M12 3a3 3 0 0 1 3 3v5a3 3 0 0 1-6 0V6a3 3 0 0 1 3-3zM5 11a7 7 0 0 0 14 0M12 18v3"
        }
        Icon::MicOff => {
            "M15 10V6a3 3 0 0 0-5.7-1.3M9 9v2a3 3 0 0 0 5.1 2.1M5 11a7 7 0 0 0 11.5 5.4M19 11a7 7 0 0 1-.6 2.8M12 18v3M3 3l18 18"
        }
        Icon::Camera => {
            "M4 7h10a1 1 0 0 1 1 1v8a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1zM15 10.5l6-3.5v10l-6-3.5"
        }
        Icon::CameraOff => {
            "M9 7h5a1 1 0 0 1 1 1v5M15 10.5l6-3.5v10l-4-2.3M15 17H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1M3 3l18 18"
        }
        Icon::Screen => {
            "M4 4h16a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1zM8 20h8M12 16v4"
        }
        Icon::Chat => "M5 5h14a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1H9l-5 4V6a1 1 0 0 1 1-1z",
        Icon::Game => "M9 4v16M15 4v16M4 9h16M4 15h16",
        Icon::Leave => "M14 4h5v16h-5M10 8l-4 4 4 4M6 12h10",
        Icon::Copy => "M9 9h10v11H9zM5 15V4h10",
        Icon::Lock => "M6 11h12v9H6zM8.5 11V8a3.5 3.5 0 0 1 7 0v3",
        Icon::Plus => "M12 5v14M5 12h14",
        Icon::File => "M6 3h8l4 4v14H6zM14 3v4h4",
        Icon::Sound => "M4 9h4l5-4v14l-5-4H4zM16.5 8.5a5 5 0 0 1 0 7M19 6a8.5 8.5 0 0 1 0 12",
    };
    view! {
        <svg
            class="icon"
            viewBox="0 0 24 24"
            aria-hidden="true"
            focusable="false"
            fill="none"
            stroke="currentColor"
            stroke-width="1.8"
            stroke-linecap="round"
            stroke-linejoin="round"
        >
            <path d=d />
        </svg>
    }
}
