from ms_platform.migrate import run_env

run_env()
