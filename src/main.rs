fn main() -> std::process::ExitCode {
    talkdown::cli::main()
}
