fn main() -> std::process::ExitCode {
    limber::app::main()
}
