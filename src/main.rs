fn main() -> std::process::ExitCode {
    antelope_lab::run()
}
