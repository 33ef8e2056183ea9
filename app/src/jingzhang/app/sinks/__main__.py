from jingzhang.app.sinks.server import main

main()
