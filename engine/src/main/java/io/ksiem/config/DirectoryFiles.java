package io.ksiem.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Expands directories into their dsiem-style config files ({@code PREFIX*.json}), sorted by name as Go's glob. */
public final class DirectoryFiles {
  private DirectoryFiles() {
  }

  public static List<Path> expand(List<Path> paths, String prefix) throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.list(p)) {
          s.filter(f -> {
            String n = f.getFileName().toString();
            return n.startsWith(prefix) && n.endsWith(".json") && Files.isRegularFile(f);
          }).sorted().forEach(out::add);
        }
      } else if (Files.isRegularFile(p)) {
        out.add(p);
      } else {
        throw new IOException(p + ": no such file or directory");
      }
    }
    return out;
  }
}
