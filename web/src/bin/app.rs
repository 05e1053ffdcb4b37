//! Entry point of the page bundle.

fn main() {
    kplay_web::ui::mount();
}
