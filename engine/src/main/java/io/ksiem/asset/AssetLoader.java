package io.ksiem.asset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ksiem.config.DirectoryFiles;
import io.ksiem.config.LoadProblem;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code {"assets":[...]}} documents. An invalid entry (bad CIDR, value 0, empty name) is reported and left
 * out; the other entries still load.
 */
public final class AssetLoader {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<Asset> assets = new ArrayList<>();
  private final List<LoadProblem> problems = new ArrayList<>();

  /** Loads every file: a directory stands for its {@code assets_*.json} files in name order. */
  public AssetLoader loadPaths(List<Path> paths) throws IOException {
    for (Path p : DirectoryFiles.expand(paths, "assets_")) {
      load(p.toString(), JSON.readTree(p.toFile()));
    }
    return this;
  }

  public AssetLoader load(String source, JsonNode doc) {
    JsonNode list = doc == null ? null : doc.get("assets");
    if (list == null || !list.isArray()) {
      problems.add(new LoadProblem(source, -1, null, "no \"assets\" array"));
      return this;
    }
    int position = 0;
    for (JsonNode a : list) {
      position++;
      String where = "asset #" + position;
      String name = a.path("name").isTextual() ? a.get("name").asText() : "";
      String cidrText = a.path("cidr").isTextual() ? a.get("cidr").asText() : "";
      if (name.isBlank()) {
        problems.add(new LoadProblem(source, position, where, "empty name"));
        continue;
      }
      Cidr cidr = cidrText.indexOf('/') < 0 ? null : Cidr.parse(cidrText.trim());
      if (cidr == null) {
        problems.add(new LoadProblem(source, position, where + " '" + name + "'",
            "cidr '" + cidrText + "' is not CIDR notation"));
        continue;
      }
      if (!a.path("value").canConvertToInt() || !a.path("value").isIntegralNumber() || a.get("value").asInt() == 0) {
        problems.add(new LoadProblem(source, position, where + " '" + name + "'",
            "value must be a non-zero integer"));
        continue;
      }
      assets.add(new Asset(name, cidr, a.get("value").asInt(), a.path("whitelisted").asBoolean(false)));
    }
    return this;
  }

  public AssetSet assets() {
    return new AssetSet(assets);
  }

  public List<Asset> assetList() {
    return List.copyOf(assets);
  }

  public int count() {
    return assets.size();
  }

  public List<LoadProblem> problems() {
    return problems;
  }
}
